using System.Text.Json;

namespace Sendora.Grains.Audiences.Language;

internal sealed partial class ConditionParser
{
    private static readonly string[] EventTypes = ["track", "page", "screen"];

    /// <summary>
    /// Reads the <c>type</c>, <c>event</c> and <c>where</c> keys that select events. A track event needs a
    /// name, but a page or screen without one matches every page or screen.
    /// </summary>
    public EventMatcher? ParseMatcher(JsonElement element, string path, int depth, ConditionScope whereScope)
    {
        var errorsBefore = reader.ErrorCount;
        var type = "track";
        if (element.TryGetProperty("type", out var typeElement))
        {
            if (typeElement.ValueKind == JsonValueKind.String && EventTypes.Contains(typeElement.GetString()))
            {
                type = typeElement.GetString()!;
            }
            else
            {
                reader.Error(JsonPath.Property(path, "type"),
                    $"'type' must be \"track\", \"page\" or \"screen\", not {DefinitionReader.Describe(typeElement)}.");
            }
        }

        string? name = null;
        var namePath = JsonPath.Property(path, "event");
        if (element.TryGetProperty("event", out var nameElement))
        {
            if (nameElement.ValueKind != JsonValueKind.String)
            {
                reader.Error(namePath,
                    $"'event' must be the event name as a string, not {DefinitionReader.Describe(nameElement)}.");
            }
            else
            {
                name = nameElement.GetString()!;
            }
        }

        // A name of the wrong type was reported above.
        var nameWasValidOrMissing = nameElement.ValueKind is JsonValueKind.String or JsonValueKind.Undefined;
        if (type == "track" && string.IsNullOrEmpty(name) && nameWasValidOrMissing)
        {
            reader.Error(namePath, "A track event needs its name in 'event', such as \"Order Completed\".");
        }

        ConditionNode? where = null;
        if (element.TryGetProperty("where", out var whereElement))
        {
            where = ParseNode(whereElement, JsonPath.Property(path, "where"), depth + 1, whereScope);
        }

        return reader.ErrorCount == errorsBefore ? new EventMatcher(type, name, where) : null;
    }

    /// <summary>Reads <c>{"last": {...}}</c>, <c>{"between_days_ago": [N, M]}</c> or <c>{"since": "..."}</c>.</summary>
    public EventWindow? ParseWindow(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            reader.Error(path, "'window' must be an object such as {\"last\": {\"days\": 7}}, "
                + $"not {DefinitionReader.Describe(element)}.");
            return null;
        }

        if (!reader.CheckKeys(element, path, "'window'", ["last", "between_days_ago", "since"]))
        {
            return null;
        }

        var kinds = element.EnumerateObject().ToList();
        if (kinds.Count != 1)
        {
            reader.Error(path, "'window' must name exactly one of last, between_days_ago or since.");
            return null;
        }

        var kind = kinds[0];
        var kindPath = JsonPath.Property(path, kind.Name);
        switch (kind.Name)
        {
            case "last":
                return reader.TryReadDuration(kind.Value, kindPath, "last", out var length)
                    ? EventWindow.Last(length)
                    : null;
            case "since":
                return reader.TryReadDate(kind.Value, kindPath, "since", out var since)
                    ? EventWindow.StartingAt(since)
                    : null;
            default:
                return ParseDaysAgo(kind.Value, kindPath);
        }
    }

    private EventWindow? ParseDaysAgo(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() != 2)
        {
            reader.Error(path, "'between_days_ago' must be an array of two whole numbers of days, such as [7, 14], "
                + $"not {DefinitionReader.Describe(element)}.");
            return null;
        }

        const string key = "between_days_ago";
        const int maxDays = ConditionLimits.MaxWindowDays;
        var validFrom = reader.TryReadWholeNumber(element[0], JsonPath.Index(path, 0), key, 0, maxDays, out var from);
        var validTo = reader.TryReadWholeNumber(element[1], JsonPath.Index(path, 1), key, 0, maxDays, out var to);
        if (!validFrom || !validTo)
        {
            return null;
        }

        if (from >= to)
        {
            reader.Error(path, $"'between_days_ago' covers events at least {from} and less than {to} days old, "
                + "so the first number must be less than the second.");
            return null;
        }

        return EventWindow.BetweenDaysAgo(from, to);
    }

    private EventNode? ParseEvent(JsonElement element, string path, int depth)
    {
        var errorsBefore = reader.ErrorCount;
        reader.CheckKeys(element, path, "an event condition", ["event", "type", "where", "count", "window"]);
        var matcher = ParseMatcher(element, path, depth, ConditionScope.EventProperties);
        var count = element.TryGetProperty("count", out var countElement)
            ? ParseCount(countElement, JsonPath.Property(path, "count"))
            : CountRange.AtLeastOnce;
        var window = element.TryGetProperty("window", out var windowElement)
            ? ParseWindow(windowElement, JsonPath.Property(path, "window"))
            : null;
        if (reader.ErrorCount != errorsBefore || matcher is null || count is null)
        {
            return null;
        }

        return new EventNode(path, matcher, count.Value, window);
    }

    private CountRange? ParseCount(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            reader.Error(path,
                $"'count' must be an object such as {{\"at_least\": 3}}, not {DefinitionReader.Describe(element)}.");
            return null;
        }

        if (!reader.CheckKeys(element, path, "'count'", ["at_least", "at_most", "exactly"]))
        {
            return null;
        }

        int? atLeast = null, atMost = null, exactly = null;
        var valid = true;
        foreach (var bound in element.EnumerateObject())
        {
            var boundPath = JsonPath.Property(path, bound.Name);
            if (!reader.TryReadWholeNumber(bound.Value, boundPath, bound.Name, 0, int.MaxValue, out var value))
            {
                valid = false;
                continue;
            }

            switch (bound.Name)
            {
                case "at_least":
                    atLeast = value;
                    break;
                case "at_most":
                    atMost = value;
                    break;
                default:
                    exactly = value;
                    break;
            }
        }

        if (!valid)
        {
            return null;
        }

        if (exactly is { } exact)
        {
            if (atLeast is null && atMost is null)
            {
                return new CountRange(exact, exact);
            }

            reader.Error(path, "'exactly' cannot be combined with 'at_least' or 'at_most'.");
            return null;
        }

        if (atLeast is null && atMost is null)
        {
            reader.Error(path, "'count' needs at_least, at_most or exactly, such as {\"at_least\": 3}.");
            return null;
        }

        if (atLeast > atMost)
        {
            reader.Error(path, $"'at_least' ({atLeast}) is greater than 'at_most' ({atMost}), so no count can match.");
            return null;
        }

        return new CountRange(atLeast ?? 0, atMost);
    }

    private FunnelNode? ParseFunnel(JsonElement element, string path, int depth)
    {
        var errorsBefore = reader.ErrorCount;
        reader.CheckKeys(element, path, "a funnel condition", ["funnel"]);
        var funnel = element.GetProperty("funnel");
        var funnelPath = JsonPath.Property(path, "funnel");
        if (funnel.ValueKind != JsonValueKind.Object)
        {
            reader.Error(funnelPath, "'funnel' must be an object with 'first', 'then' or 'without', and 'within', "
                + $"not {DefinitionReader.Describe(funnel)}.");
            return null;
        }

        reader.CheckKeys(funnel, funnelPath, "a funnel", ["first", "then", "without", "within", "window"]);
        var first = ParseRequiredStep(funnel, funnelPath, "first", depth);

        var hasThen = funnel.TryGetProperty("then", out var thenElement);
        var hasWithout = funnel.TryGetProperty("without", out var withoutElement);
        FunnelStepNode? second = null;
        if (hasThen == hasWithout)
        {
            reader.Error(funnelPath, "A funnel needs exactly one of 'then' (the second event followed) "
                + "or 'without' (the second event did not follow).");
        }
        else
        {
            var role = hasThen ? "then" : "without";
            var step = hasThen ? thenElement : withoutElement;
            second = ParseStep(step, JsonPath.Property(funnelPath, role), role, depth + 1);
        }

        var within = TimeSpan.Zero;
        if (!funnel.TryGetProperty("within", out var withinElement))
        {
            reader.Error(JsonPath.Property(funnelPath, "within"), "The key 'within' is missing. A funnel needs "
                + "the time the second event has after the first, such as {\"hours\": 1}.");
        }
        else
        {
            reader.TryReadDuration(withinElement, JsonPath.Property(funnelPath, "within"), "within", out within);
        }

        var window = funnel.TryGetProperty("window", out var windowElement)
            ? ParseWindow(windowElement, JsonPath.Property(funnelPath, "window"))
            : null;
        if (reader.ErrorCount != errorsBefore || first is null || second is null)
        {
            return null;
        }

        return new FunnelNode(path, first, second, without: hasWithout, within, window);
    }

    private FunnelStepNode? ParseRequiredStep(JsonElement funnel, string funnelPath, string role, int depth)
    {
        if (funnel.TryGetProperty(role, out var step))
        {
            return ParseStep(step, JsonPath.Property(funnelPath, role), role, depth + 1);
        }

        reader.Error(JsonPath.Property(funnelPath, role),
            $"The key '{role}' is missing. A funnel needs the event that starts it.");
        return null;
    }

    private FunnelStepNode? ParseStep(JsonElement element, string path, string role, int depth)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            reader.Error(path, $"'{role}' must be an event such as {{\"event\": \"Order Completed\"}}, "
                + $"not {DefinitionReader.Describe(element)}.");
            return null;
        }

        if (!reader.EnterNode(path, depth))
        {
            return null;
        }

        var errorsBefore = reader.ErrorCount;
        const string hint = " A window belongs on the funnel, not on its steps.";
        reader.CheckKeys(element, path, "a funnel step", ["event", "type", "where"], hint);
        var matcher = ParseMatcher(element, path, depth, ConditionScope.EventProperties);
        if (matcher is null || reader.ErrorCount != errorsBefore)
        {
            return null;
        }

        return new FunnelStepNode(path, role, matcher);
    }
}
