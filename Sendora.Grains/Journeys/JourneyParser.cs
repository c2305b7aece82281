using System.Text.Json;
using Sendora.Grains.Audiences.Language;

namespace Sendora.Grains.Journeys;

/// <summary>
/// Builds a <see cref="JourneyDefinition"/> from JSON and reports every problem it finds, each with its JSON
/// path, instead of stopping at the first. Conditions and event filters go through the audience condition
/// language. One instance reads one definition.
/// </summary>
internal sealed partial class JourneyParser
{
    private static readonly string[] DefinitionKeys =
        ["name", "trigger", "entry", "exit", "goal", "timezone", "start", "steps"];

    private const string IdRule =
        "1 to 64 characters of lowercase letters, digits, '_' and '-', starting with a letter or digit";

    private readonly DefinitionReader _reader = new();
    private readonly HashSet<string> _templateIds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _audienceIds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _stepPathsById = new(StringComparer.Ordinal);
    private readonly List<JourneyGraph.Node> _stepNodes = [];
    private readonly List<JourneyGraph.Link> _links = [];

    // False when some links could not be read: a step has no valid type, or a link is not a string. The
    // reachability check is then skipped, because it could report steps that those links lead to.
    private bool _linksComplete = true;

    public JourneyParseResult Parse(JsonElement definition)
    {
        if (definition.ValueKind != JsonValueKind.Object)
        {
            _reader.Error(JsonPath.Root, "A journey must be a JSON object with 'name', 'trigger' and 'steps', "
                + $"not {DefinitionReader.Describe(definition)}.");
            return new JourneyParseResult(null, _reader.Errors);
        }

        _reader.CheckKeys(definition, JsonPath.Root, "a journey", DefinitionKeys);
        var name = ReadName(definition);
        var trigger = ReadTrigger(definition);
        var entry = ReadEntry(definition);
        var exitRules = ReadExitRules(definition);
        var goal = ReadGoal(definition);
        var timeZone = ReadTimeZone(definition);
        var steps = ReadSteps(definition);
        var startId = ReadStart(definition);
        new JourneyGraph(_reader, _stepNodes, _links).Check(startId, _linksComplete);

        if (_reader.ErrorCount > 0 || name is null || trigger is null || entry is null || startId is null)
        {
            return new JourneyParseResult(null, _reader.Errors);
        }

        var definitionModel = new JourneyDefinition
        {
            Name = name,
            Trigger = trigger,
            Entry = entry,
            ExitRules = exitRules,
            Goal = goal,
            TimeZone = timeZone,
            StartStepId = startId,
            Steps = steps,
            TemplateIds = _templateIds,
            AudienceIds = _audienceIds,
        };
        return new JourneyParseResult(definitionModel, []);
    }

    private string? ReadName(JsonElement definition)
    {
        const string path = "$.name";
        var expected = $"a string of 1 to {JourneyLimits.MaxNameLength} characters, such as \"Welcome series\"";
        if (!definition.TryGetProperty("name", out var name))
        {
            _reader.Error(path, $"The key 'name' is missing. A journey needs a name: {expected}.");
            return null;
        }

        var text = name.ValueKind == JsonValueKind.String ? name.GetString()! : null;
        if (string.IsNullOrWhiteSpace(text) || TextLength.IsOver(text, JourneyLimits.MaxNameLength))
        {
            var actual = text is null
                ? DefinitionReader.Describe(name)
                : TextLength.IsOver(text, JourneyLimits.MaxNameLength) ? $"{TextLength.Count(text)} characters" : "blank";
            _reader.Error(path, $"'name' must be {expected}, not {actual}.");
            return null;
        }

        return text;
    }

    private string ReadTimeZone(JsonElement definition)
    {
        const string fallback = "UTC";
        if (!definition.TryGetProperty("timezone", out var zone))
        {
            return fallback;
        }

        var id = zone.ValueKind == JsonValueKind.String ? zone.GetString()! : null;
        if (TimeZones.Find(id) is null)
        {
            _reader.Error("$.timezone", "'timezone' must be an IANA time zone id, such as \"Europe/Berlin\" or "
                + $"\"UTC\", not {DefinitionReader.Describe(zone)}.");
            return fallback;
        }

        return id!;
    }

    /// <summary>Returns the id of the step runs start at: <c>start</c>, or else the first step's id.</summary>
    private string? ReadStart(JsonElement definition)
    {
        if (!definition.TryGetProperty("start", out var start) || start.ValueKind == JsonValueKind.Null)
        {
            return _stepNodes.Count > 0 && _stepNodes[0].Index == 0 ? _stepNodes[0].Id : null;
        }

        return ReadLink(definition, JsonPath.Root, "start", from: null);
    }

    /// <summary>
    /// Reads the id of the step that <paramref name="key"/> leads to and records the link for the graph checks.
    /// Returns null when the key is missing or null, which ends the run as completed, or when it is invalid.
    /// </summary>
    private string? ReadLink(JsonElement owner, string ownerPath, string key, string? from)
    {
        if (!owner.TryGetProperty(key, out var target) || target.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var path = JsonPath.Property(ownerPath, key);
        if (target.ValueKind != JsonValueKind.String || target.GetString()!.Length == 0)
        {
            _reader.Error(path, $"'{key}' must be the id of a step of this journey as a string, "
                + $"not {DefinitionReader.Describe(target)}.");
            _linksComplete = false;
            return null;
        }

        _links.Add(new JourneyGraph.Link(from, path, key, target.GetString()!));
        return target.GetString();
    }

    /// <summary>
    /// Reads an optional string. Returns null when the key is missing, or when the value is not a non-empty
    /// string, which is reported as not being <paramref name="expected"/>.
    /// </summary>
    private string? ReadString(JsonElement owner, string ownerPath, string key, string expected)
    {
        if (!owner.TryGetProperty(key, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || value.GetString()!.Length == 0)
        {
            _reader.Error(JsonPath.Property(ownerPath, key),
                $"'{key}' must be {expected}, not {DefinitionReader.Describe(value)}.");
            return null;
        }

        return value.GetString();
    }

    /// <summary>Reads an optional boolean that defaults to false.</summary>
    private bool ReadFlag(JsonElement owner, string ownerPath, string key)
    {
        if (!owner.TryGetProperty(key, out var value))
        {
            return false;
        }

        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            _reader.Error(JsonPath.Property(ownerPath, key),
                $"'{key}' must be true or false, not {DefinitionReader.Describe(value)}.");
            return false;
        }

        return value.GetBoolean();
    }

    private void ReportMissing(string ownerPath, string key, string need) =>
        _reader.Error(JsonPath.Property(ownerPath, key), $"The key '{key}' is missing. {need}");

    /// <summary>Returns whether <paramref name="id"/> follows <see cref="IdRule"/>.</summary>
    private static bool IsId(string id)
    {
        var first = id.Length > 0 ? id[0] : '\0';
        if (id.Length > JourneyLimits.MaxIdLength || !char.IsAsciiLetterLower(first) && !char.IsAsciiDigit(first))
        {
            return false;
        }

        foreach (var c in id)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c is not ('_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
