using System.Globalization;

namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// A first event followed by a second within a duration (<c>then</c>), or a first event that the
/// second did not follow within the duration (<c>without</c>). An optional window limits when the first
/// event happened.
/// </summary>
/// <remarks>
/// The second event follows the first when it is another event stamped at or after the first and
/// less than the duration later. A <c>without</c> funnel passes only once that duration has passed,
/// so it has a change instant while it waits.
/// </remarks>
internal sealed class FunnelNode(
    string path, FunnelStepNode first, FunnelStepNode second, bool without, TimeSpan within, EventWindow? window)
    : ConditionNode(path)
{
    public override string Description
    {
        get
        {
            var relation = without ? "not followed by" : "then";
            var text = $"performed {first.Matcher.Description} {relation} {second.Matcher.Description} "
                + $"within {EventWindow.FormatDuration(within)}";
            return window is null ? text : text + ", first step " + window;
        }
    }

    public override IReadOnlyList<ConditionNode> Children => [first, second];

    public override NodeResult Evaluate(in EvaluationScope scope) => Qualify(scope).Result;

    public override ConditionTrace Explain(in EvaluationScope scope)
    {
        var (found, result) = Qualify(scope);
        var description = Description + ": " + found.ToString(CultureInfo.InvariantCulture)
            + (found == 1 ? " first event qualifies" : " first events qualify");
        return new ConditionTrace(
            Path, description, result.Matches, result.NextChangeAt, [first.Explain(scope), second.Explain(scope)]);
    }

    private (int Count, NodeResult Result) Qualify(in EvaluationScope scope)
    {
        var events = scope.RequireFacts().Events;
        var firsts = new List<(int Index, DateTimeOffset At)>();
        var seconds = new List<(DateTimeOffset At, int Index)>();
        DateTimeOffset? propertiesChangeAt = null;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            if (Matches(first.Matcher, e, scope, ref propertiesChangeAt))
            {
                firsts.Add((i, e.Timestamp));
            }

            if (Matches(second.Matcher, e, scope, ref propertiesChangeAt))
            {
                seconds.Add((e.Timestamp, i));
            }
        }

        seconds.Sort();
        var secondTimes = seconds.ConvertAll(s => s.At);
        var secondIndexes = seconds.Select(s => s.Index).ToHashSet();
        var spans = new List<ActiveSpan>();
        foreach (var (index, at) in firsts)
        {
            var deadline = Instants.Add(at, within);

            // Every second event in [at, deadline), less the first event itself when it matches both steps.
            var followers = LowerBound(secondTimes, deadline) - LowerBound(secondTimes, at);
            if (secondIndexes.Contains(index))
            {
                followers--;
            }

            if ((followers > 0) == without || (window is null ? ActiveSpan.Forever : window.SpanOf(at)) is not { } span)
            {
                continue;
            }

            spans.Add(without && span.Start < deadline ? span with { Start = deadline } : span);
        }

        var (count, result) = SpanCounter.Evaluate(spans, scope.Now, CountRange.AtLeastOnce);
        return (count, result with { NextChangeAt = Instants.Min(result.NextChangeAt, propertiesChangeAt) });
    }

    private static bool Matches(
        EventMatcher matcher, EventFact e, in EvaluationScope scope, ref DateTimeOffset? changeAt)
    {
        if (!matcher.MatchesName(e))
        {
            return false;
        }

        var result = matcher.TestProperties(e, scope.Facts, scope.Now);
        changeAt = Instants.Min(changeAt, result.NextChangeAt);
        return result.Matches;
    }

    private static int LowerBound(List<DateTimeOffset> sorted, DateTimeOffset value)
    {
        int low = 0, high = sorted.Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (sorted[middle] < value)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
