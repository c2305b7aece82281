using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Sendora.Grains;

namespace Sendora.Tests.Hosting;

/// <summary>
/// Exceptions that grains raise to their callers cross from the silo to the gateway process. One without an Orleans
/// serializer arrives as another type, so the gateway's handler for it never runs and the client gets a 500.
/// </summary>
public sealed class GrainExceptionSerializationTests
{
    public static TheoryData<Type> ExceptionTypes()
    {
        var data = new TheoryData<Type>();
        foreach (var type in typeof(StateTooLarge).Assembly.GetExportedTypes()
                     .Where(t => typeof(Exception).IsAssignableFrom(t) && !t.IsAbstract)
                     .OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            data.Add(type);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ExceptionTypes))]
    public void Exception_RoundTripsWithTypeAndMessage(Type type)
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer<object>>();
        var constructor = type.GetConstructors().First(c => c.GetParameters()[0].ParameterType == typeof(string));
        var arguments = constructor.GetParameters().Select(p => p.ParameterType == typeof(string) ? "the reason" : null).ToArray();
        var original = (Exception)constructor.Invoke(arguments);

        var copy = serializer.Deserialize(serializer.SerializeToArray(original));

        Assert.IsType(type, copy);
        Assert.Equal("the reason", ((Exception)copy).Message);
    }
}
