using System.Globalization;
using System.Text.Json;

namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// Collects the errors of one definition and enforces the node and depth limits while it is parsed.
/// Also collects the audiences and computed traits the definition refers to.
/// </summary>
internal sealed class DefinitionReader
{
    private static readonly string[] ConditionDurationUnits = ["minutes", "hours", "days"];

    private static readonly Dictionary<string, TimeSpan> DurationUnitLengths = new(StringComparer.Ordinal)
    {
        ["seconds"] = TimeSpan.FromSeconds(1),
        ["minutes"] = TimeSpan.FromMinutes(1),
        ["hours"] = TimeSpan.FromHours(1),
        ["days"] = TimeSpan.FromDays(1),
    };

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

    /// <summary>
    /// Reads a whole number from <paramref name="min"/> to <paramref name="max"/>, or reports it. A number with a zero
    /// fraction, such as <c>365.0</c>, is whole.
    /// </summary>
    public bool TryReadWholeNumber(JsonElement element, string path, string key, int min, int max, out int value)
    {
        if (JsonWholeNumber.TryRead(element, out var whole)
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
    public bool TryReadDuration(JsonElement element, string path, string key, out TimeSpan value) =>
        TryReadDuration(element, path, key, ConditionDurationUnits, ConditionLimits.MaxWindowDays, out value);

    /// <summary>
    /// Reads a duration given as one whole number of one of <paramref name="units"/> (seconds, minutes, hours
    /// or days), from 1 unit to <paramref name="maxDays"/> days.
    /// </summary>
    public bool TryReadDuration(
        JsonElement element, string path, string key, IReadOnlyList<string> units, int maxDays, out TimeSpan value)
    {
        value = default;
        if (element.ValueKind != JsonValueKind.Object)
        {
            Error(path, $"'{key}' must be an object such as {{\"days\": 7}}, not {Describe(element)}.");
            return false;
        }

        if (!CheckKeys(element, path, $"'{key}'", units))
        {
            return false;
        }

        var namedUnits = element.EnumerateObject().ToList();
        if (namedUnits.Count != 1)
        {
            Error(path, $"'{key}' must name exactly one of {ListAlternatives(units)}, such as {{\"days\": 7}}.");
            return false;
        }

        var unit = namedUnits[0];
        var unitLength = DurationUnitLengths[unit.Name];
        var maxCount = (int)Math.Min(int.MaxValue, TimeSpan.FromDays(maxDays).Ticks / unitLength.Ticks);
        if (!TryReadWholeNumber(unit.Value, JsonPath.Property(path, unit.Name), unit.Name, 1, maxCount, out var count))
        {
            return false;
        }

        value = unitLength * count;
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

    /// <summary>Joins names as alternatives, such as <c>minutes, hours or days</c>.</summary>
    public static string ListAlternatives(IReadOnlyList<string> names) => names.Count < 2
        ? List(names)
        : string.Join(", ", names.Take(names.Count - 1)) + " or " + names[^1];

    private static string Format(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
