using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Sdk;

namespace Sendora.Tests.Clients;

/// <summary>Assertions on the JSON that real clients sent and the profile API returns.</summary>
public static partial class ClientAssert
{
    /// <summary>Asserts that <paramref name="actual"/> equals the JSON text <paramref name="expected"/>, ignoring key order.</summary>
    public static void JsonEqual(string expected, JsonElement actual, string description)
    {
        using var document = JsonDocument.Parse(expected);
        if (!JsonElement.DeepEquals(document.RootElement, actual))
        {
            throw new XunitException($"{description} differs.\nExpected: {document.RootElement}\nActual:   {actual}");
        }
    }

    /// <summary>Returns the string at a dotted path such as <c>context.library.name</c>, failing when a step is missing.</summary>
    public static string? StringAt(JsonElement element, string path)
    {
        var current = element;
        foreach (var name in path.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                throw new XunitException($"'{path}' is missing from {element}");
            }
        }

        return current.ValueKind == JsonValueKind.String
            ? current.GetString()
            : throw new XunitException($"'{path}' is {current.ValueKind}, expected a string, in {element}");
    }

    /// <summary>
    /// Asserts that <paramref name="field"/> of <paramref name="stored"/> is ISO-8601 UTC with exactly
    /// three fraction digits and lies within [<paramref name="earliest"/>, <paramref name="latest"/>].
    /// </summary>
    public static DateTimeOffset Timestamp(JsonElement stored, string field, DateTimeOffset earliest, DateTimeOffset latest)
    {
        var text = StringAt(stored, field);
        if (text is null || !IsoMilliseconds().IsMatch(text))
        {
            throw new XunitException(
                $"'{field}' is '{text}', expected ISO-8601 UTC with milliseconds (yyyy-MM-ddTHH:mm:ss.fffZ), in {stored}");
        }

        var value = DateTimeOffset.ParseExact(text, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        if (value < earliest || value > latest)
        {
            throw new XunitException(
                $"'{field}' is {text}, outside the time the client ran ({earliest:O} to {latest:O}), in {stored}");
        }

        return value;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex IsoMilliseconds();
}
