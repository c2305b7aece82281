using System.Globalization;
using System.Text.Json;

namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// Collects the errors of one definition and enforces the node and depth limits while it is parsed.
/// Also collects the audiences and computed traits the definition refers to.
/// </summary>
internal sealed class DefinitionReader
{
    private readonly List<ConditionError> _errors = [];
    private int _nodes;
    private bool _tooManyNodesReported;
    private bool _tooDeepReported;

    public IReadOnlyList<ConditionError> Errors => _errors;

    public int ErrorCount => _errors.Count;

    public HashSet<string> AudienceIds { get; } = new(StringComparer.Ordinal);

    public HashSet<string> ComputedTraitKeys { get; } = new(StringComparer.Ordinal);

    public void Error(string path, string message) => _errors.Add(new ConditionError(path, message));

    /// <summary>
    /// Counts one condition object at <paramref name="depth"/> (the root is 1). Returns false, after
    /// reporting the limit once, when the object is past the depth or node limit and must not be parsed.
    /// </summary>
    public bool EnterNode(string path, int depth)
    {
        if (depth > ConditionLimits.MaxDepth)
        {
            if (!_tooDeepReported)
            {
                _tooDeepReported = true;
                Error(path, $"The condition is nested more than {ConditionLimits.MaxDepth} levels deep, which is "
                    + "the limit. Flatten it, or move part of it into another audience and refer to it with "
                    + "{\"audience\": \"id\"}.");
            }

            return false;
        }

        if (++_nodes > ConditionLimits.MaxNodes)
        {
            if (!_tooManyNodesReported)
            {
                _tooManyNodesReported = true;
                Error(JsonPath.Root, $"The definition has more than {Format(ConditionLimits.MaxNodes)} condition "
                    + "objects, which is the limit. Split it into several audiences and refer to them with "
                    + "{\"audience\": \"id\"}.");
            }

            return false;
        }

        return true;
    }

    /// <summary>
    /// Reports each key outside <paramref name="allowed"/> and each key given twice, and returns whether
    /// there were none. A <paramref name="hint"/> ends the message about an unknown key.
    /// </summary>
    public bool CheckKeys(
        JsonElement obj, string path, string objectName, IReadOnlyCollection<string> allowed, string? hint = null)
    {
        var valid = true;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in obj.EnumerateObject())
        {
            var propertyPath = JsonPath.Property(path, property.Name);
            if (!seen.Add(property.Name))
            {
                Error(propertyPath, $"The key '{property.Name}' appears more than once. Give it once.");
                valid = false;
            }
            else if (!allowed.Contains(property.Name))
            {
                Error(propertyPath,
                    $"Unknown key '{property.Name}' in {objectName}. Allowed keys: {List(allowed)}." + hint);
                valid = false;
            }
        }

        return valid;
    }

    /// <summary>Reads a whole number from <paramref name="min"/> to <paramref name="max"/>, or reports it.</summary>
    public bool TryReadWholeNumber(JsonElement element, string path, string key, int min, int max, out int value)
    {
        if (element.ValueKind == JsonValueKind.Number
            && element.TryGetInt64(out var whole)
            && whole >= min
            && whole <= max)
        {
            value = (int)whole;
            return true;
        }

        Error(path, $"'{key}' must be a whole number from {Format(min)} to {Format(max)}, not {Describe(element)}.");
        value = 0;
        return false;
    }

    /// <summary>Reads an ISO-8601 date that names its zone, reporting anything else.</summary>
    public bool TryReadDate(JsonElement element, string path, string key, out DateTimeOffset value)
    {
        value = default;
        var hasZone = false;
        var isDate = element.ValueKind == JsonValueKind.String
            && IsoDates.TryParse(element.GetString()!, out value, out hasZone);
        if (!isDate)
        {
            Error(path, $"'{key}' must be an ISO-8601 date with a zone, such as \"2026-01-01T00:00:00Z\", "
                + $"not {Describe(element)}.");
            return false;
        }

        if (!hasZone)
        {
            Error(path, $"'{key}' has no zone, so the instant it names is unclear. Give a time and a zone, "
                + "such as \"2026-01-01T00:00:00Z\" or \"2026-01-01T00:00:00+02:00\".");
            return false;
        }

        return true;
    }

    /// <summary>Reads a duration in minutes, hours or days, such as <c>{"hours": 1}</c>.</summary>
    public bool TryReadDuration(JsonElement element, string path, string key, out TimeSpan value)
    {
        value = default;
        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(path, $"'{key}' must be an object such as {{\"days\": 7}}, not {Describe(element)}.");
            return false;
        }

        if (!CheckKeys(element, path, $"'{key}'", ["minutes", "hours", "days"]))
        {
            return false;
        }

        var units = element.EnumerateObject().ToList();
        if (units.Count != 1)
        {
            Error(path, $"'{key}' must name exactly one of minutes, hours or days, such as {{\"days\": 7}}.");
            return false;
        }

        var unit = units[0];
        var perDay = unit.Name switch
        {
            "minutes" => 24 * 60,
            "hours" => 24,
            _ => 1,
        };
        var unitPath = JsonPath.Property(path, unit.Name);
        var maxCount = ConditionLimits.MaxWindowDays * perDay;
        if (!TryReadWholeNumber(unit.Value, unitPath, unit.Name, 1, maxCount, out var count))
        {
            return false;
        }

        value = unit.Name switch
        {
            "minutes" => TimeSpan.FromMinutes(count),
            "hours" => TimeSpan.FromHours(count),
            _ => TimeSpan.FromDays(count),
        };
        return true;
    }

    /// <summary>Describes a JSON value for an error message, quoting short values.</summary>
    public static string Describe(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                return "an object";
            case JsonValueKind.Array:
                return "an array";
            case JsonValueKind.Undefined:
                return "nothing";
            case JsonValueKind.String:
                var text = element.GetString()!;
                return "the string " + JsonSerializer.Serialize(text.Length > 40 ? text[..40] + "…" : text);
            case JsonValueKind.Number:
                return "the number " + element.GetRawText();
            default:
                return element.GetRawText();
        }
    }

    public static string List(IEnumerable<string> names) => string.Join(", ", names);

    private static string Format(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
