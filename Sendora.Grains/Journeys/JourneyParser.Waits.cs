using System.Globalization;
using System.Text.Json;
using Sendora.Grains.Audiences.Language;

namespace Sendora.Grains.Journeys;

internal sealed partial class JourneyParser
{
    private const string TimeOfDayExpected = "a time of day as HH:mm, from \"00:00\" to \"23:59\", such as \"09:00\"";

    private static readonly Dictionary<string, DayOfWeek> DaysByName = new(StringComparer.Ordinal)
    {
        ["mon"] = DayOfWeek.Monday,
        ["tue"] = DayOfWeek.Tuesday,
        ["wed"] = DayOfWeek.Wednesday,
        ["thu"] = DayOfWeek.Thursday,
        ["fri"] = DayOfWeek.Friday,
        ["sat"] = DayOfWeek.Saturday,
        ["sun"] = DayOfWeek.Sunday,
    };

    private WaitUntilStep? ReadWaitUntil(StepSource source)
    {
        var (element, path) = (source.Element, source.Path);
        JourneyEventFilter? filter = null;
        string? conditionJson = null;
        var hasEvent = element.TryGetProperty("event", out var eventElement);
        var hasCondition = element.TryGetProperty("condition", out var conditionElement);
        if (hasEvent == hasCondition)
        {
            _reader.Error(path, "A wait_until step needs exactly one of 'event' (an event to wait for, such as "
                + "{\"event\": \"Order Completed\"}) or 'condition' (an audience condition for the profile to match).");
        }
        else if (hasEvent)
        {
            filter = ReadWaitEvent(eventElement, JsonPath.Property(path, "event"));
        }
        else
        {
            conditionJson = ReadCondition(conditionElement, JsonPath.Property(path, "condition"));
        }

        const string timeoutNeed = "A wait_until step needs the longest time it waits";
        var timeout = ReadRequiredDuration(element, path, "timeout", timeoutNeed);
        var next = ReadNext(source);
        var timeoutNext = ReadLink(element, path, "timeout_next", source.Id);
        return timeout is null
            ? null
            : new WaitUntilStep(source.ModelId, next, filter, conditionJson, timeout.Value, timeoutNext);
    }

    private JourneyEventFilter? ReadWaitEvent(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            _reader.Error(path, "'event' must be an object such as {\"event\": \"Order Completed\", \"where\": {...}}, "
                + $"not {DefinitionReader.Describe(element)}.");
            return null;
        }

        _reader.CheckKeys(element, path, "the 'event' of a wait_until step", EventFilterKeys);
        return ReadEventFilter(element, path);
    }

    private TimeWindowStep? ReadTimeWindow(StepSource source)
    {
        var (element, path) = (source.Element, source.Path);
        var days = element.TryGetProperty("days", out var daysElement)
            ? ReadDays(daysElement, JsonPath.Property(path, "days"))
            : [.. DaysByName.Values];
        var from = ReadTimeOfDay(element, path, "from");
        var to = ReadTimeOfDay(element, path, "to");
        if (from is not null && from == to)
        {
            _reader.Error(path, $"'from' and 'to' are both {from:HH\\:mm}, so the window never opens. Give a 'to' "
                + "after 'from', or before it for a window that crosses midnight.");
        }

        var next = ReadNext(source);
        if (days is null || from is null || to is null)
        {
            return null;
        }

        return new TimeWindowStep(source.ModelId, next, days, from.Value, to.Value);
    }

    private HashSet<DayOfWeek>? ReadDays(JsonElement element, string path)
    {
        var names = DefinitionReader.List(DaysByName.Keys);
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() == 0)
        {
            _reader.Error(path,
                $"'days' must be a non-empty array of days from {names}, not {DescribeArray(element)}.");
            return null;
        }

        var days = new HashSet<DayOfWeek>();
        var valid = true;
        var index = 0;
        foreach (var day in element.EnumerateArray())
        {
            var dayPath = JsonPath.Index(path, index++);
            if (day.ValueKind != JsonValueKind.String || !DaysByName.TryGetValue(day.GetString()!, out var dayOfWeek))
            {
                _reader.Error(dayPath, $"Each day must be one of {names}, not {DefinitionReader.Describe(day)}.");
                valid = false;
            }
            else if (!days.Add(dayOfWeek))
            {
                _reader.Error(dayPath, $"The day \"{day.GetString()}\" appears more than once. Give it once.");
                valid = false;
            }
        }

        return valid ? days : null;
    }

    private TimeOnly? ReadTimeOfDay(JsonElement owner, string ownerPath, string key)
    {
        if (!owner.TryGetProperty(key, out var element))
        {
            ReportMissing(ownerPath, key, $"A time_window step needs '{key}': {TimeOfDayExpected}.");
            return null;
        }

        const DateTimeStyles exact = DateTimeStyles.None;
        if (element.ValueKind == JsonValueKind.String
            && TimeOnly.TryParseExact(element.GetString(), "HH:mm", CultureInfo.InvariantCulture, exact, out var time))
        {
            return time;
        }

        _reader.Error(JsonPath.Property(ownerPath, key),
            $"'{key}' must be {TimeOfDayExpected}, not {DefinitionReader.Describe(element)}.");
        return null;
    }
}
