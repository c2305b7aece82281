using System.Text.Json;
using Sendora.Grains.Audiences.Language;

namespace Sendora.Grains.Journeys;

internal sealed partial class JourneyParser
{
    private static readonly string[] DurationUnits = ["seconds", "minutes", "hours", "days"];

    private static readonly string[] EventFilterKeys = ["event", "type", "where"];

    private const string TriggerExample = "{\"audience_entered\": \"trial-users\"} or {\"event\": \"Order Completed\"}";

    private JourneyTrigger? ReadTrigger(JsonElement definition)
    {
        const string path = "$.trigger";
        if (!definition.TryGetProperty("trigger", out var trigger))
        {
            ReportMissing(JsonPath.Root, "trigger", $"A journey needs a trigger, such as {TriggerExample}.");
            return null;
        }

        if (trigger.ValueKind != JsonValueKind.Object)
        {
            _reader.Error(path, $"'trigger' must be an object such as {TriggerExample}, "
                + $"not {DefinitionReader.Describe(trigger)}.");
            return null;
        }

        _reader.CheckKeys(trigger, path, "'trigger'", ["audience_entered", "audience_exited", .. EventFilterKeys]);
        var form = ReadForm(trigger, path, "'trigger'", ["audience_entered", "audience_exited", "event"]);
        return form switch
        {
            "audience_entered" => ReadAudienceId(trigger, path, form) is { } entered
                ? new JourneyTrigger(JourneyTriggerKind.AudienceEntered, entered, null)
                : null,
            "audience_exited" => ReadAudienceId(trigger, path, form) is { } exited
                ? new JourneyTrigger(JourneyTriggerKind.AudienceExited, exited, null)
                : null,
            "event" => ReadEventFilter(trigger, path) is { } filter
                ? new JourneyTrigger(JourneyTriggerKind.Event, null, filter)
                : null,
            _ => null,
        };
    }

    private EntryRule? ReadEntry(JsonElement definition)
    {
        const string path = "$.entry";
        if (!definition.TryGetProperty("entry", out var entry))
        {
            return new EntryRule(EntryMode.Once, null, null);
        }

        const string example =
            "{\"once\": true}, {\"cooldown\": {\"days\": 7}} or {\"every_time\": {\"key\": \"orderId\"}}";
        if (entry.ValueKind != JsonValueKind.Object)
        {
            _reader.Error(path,
                $"'entry' must be an object such as {example}, not {DefinitionReader.Describe(entry)}.");
            return null;
        }

        string[] modes = ["once", "cooldown", "every_time"];
        _reader.CheckKeys(entry, path, "'entry'", modes);
        var mode = ReadForm(entry, path, "'entry'", modes);
        return mode switch
        {
            "once" => ReadOnce(entry.GetProperty(mode), JsonPath.Property(path, mode)),
            "cooldown" => ReadDuration(entry, path, mode) is { } cooldown
                ? new EntryRule(EntryMode.Cooldown, cooldown, null)
                : null,
            "every_time" => ReadEveryTime(entry.GetProperty(mode), JsonPath.Property(path, mode)),
            _ => null,
        };
    }

    private EntryRule? ReadOnce(JsonElement once, string path)
    {
        if (once.ValueKind == JsonValueKind.True)
        {
            return new EntryRule(EntryMode.Once, null, null);
        }

        _reader.Error(path, $"'once' must be true, not {DefinitionReader.Describe(once)}. To let a profile enter "
            + "again, use {\"cooldown\": {\"days\": 7}} or {\"every_time\": {}}.");
        return null;
    }

    private EntryRule? ReadEveryTime(JsonElement everyTime, string path)
    {
        if (everyTime.ValueKind != JsonValueKind.Object)
        {
            _reader.Error(path, "'every_time' must be an object such as {\"key\": \"orderId\"}, or {} for one "
                + $"active run at a time, not {DefinitionReader.Describe(everyTime)}.");
            return null;
        }

        var errorsBefore = _reader.ErrorCount;
        _reader.CheckKeys(everyTime, path, "'every_time'", ["key"]);
        const string keyExpected = "the name of a property of the trigger event as a non-empty string";
        var key = ReadString(everyTime, path, "key", keyExpected);
        return _reader.ErrorCount == errorsBefore ? new EntryRule(EntryMode.EveryTime, null, key) : null;
    }

    private IReadOnlyList<ExitRule> ReadExitRules(JsonElement definition)
    {
        const string path = "$.exit";
        if (!definition.TryGetProperty("exit", out var exit))
        {
            return [];
        }

        if (exit.ValueKind != JsonValueKind.Array)
        {
            _reader.Error(path, $"'exit' must be an array of up to {JourneyLimits.MaxExitRules} rules, such as "
                + $"[{{\"event\": \"Unsubscribed\"}}], not {DefinitionReader.Describe(exit)}.");
            return [];
        }

        var count = exit.GetArrayLength();
        if (count > JourneyLimits.MaxExitRules)
        {
            _reader.Error(path, $"'exit' has {count} rules, over the limit of {JourneyLimits.MaxExitRules}.");
        }

        var rules = new List<ExitRule>();
        var index = 0;
        foreach (var rule in exit.EnumerateArray())
        {
            if (ReadExitRule(rule, JsonPath.Index(path, index++)) is { } parsed)
            {
                rules.Add(parsed);
            }
        }

        return rules;
    }

    private ExitRule? ReadExitRule(JsonElement rule, string path)
    {
        const string example = "{\"event\": \"Unsubscribed\"} or {\"audience_exited\": \"trial-users\"}";
        if (rule.ValueKind != JsonValueKind.Object)
        {
            _reader.Error(path,
                $"An exit rule must be an object such as {example}, not {DefinitionReader.Describe(rule)}.");
            return null;
        }

        _reader.CheckKeys(rule, path, "an exit rule", ["audience_exited", .. EventFilterKeys]);
        return ReadForm(rule, path, "an exit rule", ["audience_exited", "event"]) switch
        {
            "audience_exited" => ReadAudienceId(rule, path, "audience_exited") is { } audienceId
                ? new ExitRule(ExitRuleKind.AudienceExited, audienceId, null)
                : null,
            "event" => ReadEventFilter(rule, path) is { } filter
                ? new ExitRule(ExitRuleKind.Event, null, filter)
                : null,
            _ => null,
        };
    }

    private ConversionGoal? ReadGoal(JsonElement definition)
    {
        const string path = "$.goal";
        if (!definition.TryGetProperty("goal", out var goal))
        {
            return null;
        }

        if (goal.ValueKind != JsonValueKind.Object)
        {
            _reader.Error(path, "'goal' must be an object such as {\"event\": \"Order Completed\", \"within\": "
                + $"{{\"days\": 7}}}}, not {DefinitionReader.Describe(goal)}.");
            return null;
        }

        _reader.CheckKeys(goal, path, "'goal'", [.. EventFilterKeys, "within"]);
        var filter = ReadEventFilter(goal, path);
        const string need = "A goal needs the time a run has to convert after entry";
        var within = ReadRequiredDuration(goal, path, "within", need);
        return filter is null || within is null ? null : new ConversionGoal(filter, within.Value);
    }

    /// <summary>
    /// Returns which of <paramref name="forms"/> an object takes, reporting none or several. The form
    /// <c>event</c> also counts the other event filter keys, <c>type</c> and <c>where</c>.
    /// </summary>
    private string? ReadForm(JsonElement owner, string path, string ownerName, string[] forms)
    {
        var present = forms
            .Where(form => form == "event"
                ? EventFilterKeys.Any(key => owner.TryGetProperty(key, out _))
                : owner.TryGetProperty(form, out _))
            .ToList();
        if (present.Count == 1)
        {
            return present[0];
        }

        var alternatives = DefinitionReader.ListAlternatives(forms);
        var message = present.Count == 0
            ? $"{Capitalize(ownerName)} needs one of {alternatives}."
            : $"{Capitalize(ownerName)} takes exactly one of {alternatives}, but this one has "
                + string.Join(" and ", present.Select(form => $"'{form}'")) + ".";
        _reader.Error(path, message);
        return null;
    }

    private string? ReadAudienceId(JsonElement owner, string ownerPath, string key)
    {
        var id = ReadString(owner, ownerPath, key, "the id of an audience as a non-empty string");
        if (id is not null)
        {
            _audienceIds.Add(id);
        }

        return id;
    }

    /// <summary>Reads the <c>event</c>, <c>type</c> and <c>where</c> keys of <paramref name="owner"/>.</summary>
    private JourneyEventFilter? ReadEventFilter(JsonElement owner, string ownerPath)
    {
        // A reader of its own gives each filter the condition language's node limit and root-relative paths.
        var filterReader = new DefinitionReader();
        var matcher = new ConditionParser(filterReader)
            .ParseMatcher(owner, JsonPath.Root, depth: 1, ConditionScope.EventProperties);
        AddErrors(filterReader.Errors, ownerPath);
        return matcher is null || filterReader.ErrorCount > 0 ? null : new JourneyEventFilter(matcher);
    }

    /// <summary>Parses an audience condition and returns its JSON text, or null when it is invalid.</summary>
    private string? ReadCondition(JsonElement condition, string path)
    {
        var parsed = Condition.Parse(condition);
        AddErrors(parsed.Errors, path);
        if (parsed.Condition is null)
        {
            return null;
        }

        _audienceIds.UnionWith(parsed.Condition.AudienceIds);
        return condition.GetRawText();
    }

    private TimeSpan? ReadDuration(JsonElement owner, string ownerPath, string key)
    {
        var path = JsonPath.Property(ownerPath, key);
        const int maxDays = JourneyLimits.MaxDurationDays;
        return _reader.TryReadDuration(owner.GetProperty(key), path, key, DurationUnits, maxDays, out var value)
            ? value
            : null;
    }

    private TimeSpan? ReadRequiredDuration(JsonElement owner, string ownerPath, string key, string need)
    {
        if (owner.TryGetProperty(key, out _))
        {
            return ReadDuration(owner, ownerPath, key);
        }

        ReportMissing(ownerPath, key,
            $"{need}, from 1 second to {JourneyLimits.MaxDurationDays} days, such as {{\"days\": 1}}.");
        return null;
    }

    /// <summary>Adds errors whose paths are relative to a nested part, moving them under its path.</summary>
    private void AddErrors(IEnumerable<ConditionError> errors, string basePath)
    {
        foreach (var error in errors)
        {
            var path = error.Path == JsonPath.Root ? basePath : basePath + error.Path[JsonPath.Root.Length..];
            _reader.Error(path, error.Message);
        }
    }

    private static string Capitalize(string text) => char.ToUpperInvariant(text[0]) + text[1..];
}
