using System.Globalization;

namespace Sendora.Grains.Audiences.Language;

/// <summary>An event performed a number of times, optionally within a time window.</summary>
internal sealed class EventNode(string path, EventMatcher matcher, CountRange count, EventWindow? window)
    : ConditionNode(path)
{
    public override string Description
    {
        get
        {
            var text = $"performed {matcher.Description} {count}";
            return window is null ? text : text + " " + window;
        }
    }

    public override NodeResult Evaluate(in EvaluationScope scope) => Count(scope).Result;

    public override ConditionTrace Explain(in EvaluationScope scope)
    {
        var (found, result) = Count(scope);
        var description = Description + ": " + found.ToString(CultureInfo.InvariantCulture) + " found";
        return new ConditionTrace(Path, description, result.Matches, result.NextChangeAt, matcher.ExplainWhere(scope));
    }

    /// <remarks>
    /// The count is exact over time: each matching event contributes the span during which it is inside
    /// the window. A <c>where</c> that depends on time (<c>within_last</c> on a property) can change the
    /// set of matching events, so its earliest change also bounds the result's.
    /// </remarks>
    private (int Count, NodeResult Result) Count(in EvaluationScope scope)
    {
        var spans = new List<ActiveSpan>();
        DateTimeOffset? propertiesChangeAt = null;
        foreach (var e in scope.RequireFacts().Events)
        {
            if (!matcher.MatchesName(e))
            {
                continue;
            }

            var properties = matcher.TestProperties(e, scope.Facts, scope.Now);
            propertiesChangeAt = Instants.Min(propertiesChangeAt, properties.NextChangeAt);
            if (properties.Matches && (window is null ? ActiveSpan.Forever : window.SpanOf(e.Timestamp)) is { } span)
            {
                spans.Add(span);
            }
        }

        var (found, result) = SpanCounter.Evaluate(spans, scope.Now, count);
        return (found, result with { NextChangeAt = Instants.Min(result.NextChangeAt, propertiesChangeAt) });
    }
}
