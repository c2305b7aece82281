using System.Collections;
using System.Reflection;
using Sendora.Gateway.Hosting;
using Sendora.Grains.Channels;
using Sendora.Silo.Hosting;

namespace Sendora.Tests.Hosting;

/// <summary>
/// Reflection over the options classes of the Sendora assemblies, which are the classes with a <c>SectionName</c>
/// constant. Their public settable properties are walked the way the configuration binder walks them.
/// </summary>
internal static class OptionsSettingScanner
{
    /// <summary>The key segment written in place of a dictionary key or a list index.</summary>
    public const string Placeholder = "{}";

    private static readonly Assembly[] SendoraAssemblies =
    [
        typeof(ChannelOptions).Assembly,
        typeof(SendoraHostOptions).Assembly,
        typeof(GatewayOptions).Assembly,
    ];

    /// <summary>Returns the classes that declare a <c>public const string SectionName</c>.</summary>
    public static IReadOnlyList<Type> FindOptionsClasses() =>
        SendoraAssemblies
            .SelectMany(assembly => assembly.GetTypes())
            .Where(type => type.IsClass && SectionNameOf(type) is not null)
            .ToList();

    /// <summary>Returns every leaf setting of every options class, ordered by key.</summary>
    public static IReadOnlyList<OptionsSetting> FindSettings()
    {
        var settings = new List<OptionsSetting>();
        foreach (var type in FindOptionsClasses())
        {
            CollectProperties(SectionNameOf(type)!, type, CreateInstance(type), settings);
        }

        return settings.OrderBy(setting => setting.Key, StringComparer.Ordinal).ToList();
    }

    private static string? SectionNameOf(Type type) =>
        type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
            ? field.GetRawConstantValue() as string
            : null;

    private static void CollectProperties(string prefix, Type type, object instance, List<OptionsSetting> settings)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetIndexParameters().Length > 0 || property.SetMethod is not { IsPublic: true })
            {
                continue;
            }

            var key = $"{prefix}:{property.Name}";
            var propertyType = property.PropertyType;
            if (IsSimple(propertyType))
            {
                settings.Add(new OptionsSetting(key, propertyType, property.GetValue(instance), HasDefault: true));
            }
            else if (EntryType(propertyType) is { } entryType)
            {
                CollectEntry($"{key}:{Placeholder}", entryType, settings);
            }
            else
            {
                // The binder creates a nested object that is null, such as unset quiet hours, once its section
                // appears, so the defaults of a new instance apply to its keys.
                var nested = property.GetValue(instance) ?? CreateInstance(propertyType);
                CollectProperties(key, propertyType, nested, settings);
            }
        }
    }

    private static void CollectEntry(string key, Type entryType, List<OptionsSetting> settings)
    {
        if (IsSimple(entryType))
        {
            settings.Add(new OptionsSetting(key, entryType, Default: null, HasDefault: false));
        }
        else
        {
            CollectProperties(key, entryType, CreateInstance(entryType), settings);
        }
    }

    /// <summary>Returns the value type of a string-keyed dictionary or the element type of an array or list.</summary>
    private static Type? EntryType(Type type)
    {
        if (type.IsArray)
        {
            return type.GetElementType();
        }

        if (!typeof(IEnumerable).IsAssignableFrom(type) || !type.IsGenericType)
        {
            return null;
        }

        var arguments = type.GetGenericArguments();
        return arguments.Length switch
        {
            1 => arguments[0],
            2 when arguments[0] == typeof(string) => arguments[1],
            _ => throw new NotSupportedException(
                $"The settings scan does not handle the collection type {type}: "
                + "teach OptionsSettingScanner how the binder reads it."),
        };
    }

    private static object CreateInstance(Type type)
    {
        if (!SendoraAssemblies.Contains(type.Assembly))
        {
            throw new NotSupportedException(
                $"The settings scan only walks into Sendora classes, and {type} is not one: "
                + "teach OptionsSettingScanner how the binder reads it.");
        }

        return Activator.CreateInstance(type)
               ?? throw new InvalidOperationException($"Could not create an instance of {type}.");
    }

    /// <summary>Whether the binder converts the type from one string, as for enums and time spans.</summary>
    public static bool IsSimple(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying.IsPrimitive
               || underlying.IsEnum
               || underlying == typeof(string)
               || underlying == typeof(decimal)
               || underlying == typeof(TimeSpan)
               || underlying == typeof(DateTimeOffset)
               || underlying == typeof(DateTime)
               || underlying == typeof(Guid)
               || underlying == typeof(Uri);
    }
}
