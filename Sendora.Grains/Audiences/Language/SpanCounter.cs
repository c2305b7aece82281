namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// Counts the spans that contain an instant and finds the exact instant at which that count next
/// leaves or enters a <see cref="CountRange"/>.
/// </summary>
internal static class SpanCounter
{
    /// <summary>
    /// Counts the spans active at <paramref name="now"/> and replays the later span starts and ends in
    /// time order until the count's test against <paramref name="range"/> flips. Costs O(n log n).
    /// </summary>
    public static (int Count, NodeResult Result) Evaluate(
        IReadOnlyList<ActiveSpan> spans, DateTimeOffset now, CountRange range)
    {
        var count = 0;
        var changes = new List<(DateTimeOffset At, int Delta)>();
        foreach (var span in spans)
        {
            if (span.End <= now || span.Start >= span.End)
            {
                continue;
            }

            if (span.Start <= now)
            {
                count++;
            }
            else
            {
                changes.Add((span.Start, +1));
            }

            if (span.End != Instants.Never)
            {
                changes.Add((span.End, -1));
            }
        }

        var matches = range.Contains(count);
        changes.Sort((left, right) => left.At.CompareTo(right.At));
        var running = count;
        var i = 0;
        while (i < changes.Count)
        {
            var at = changes[i].At;
            while (i < changes.Count && changes[i].At == at)
            {
                running += changes[i].Delta;
                i++;
            }

            if (range.Contains(running) != matches)
            {
                return (count, new NodeResult(matches, at));
            }
        }

        return (count, NodeResult.Fixed(matches));
    }
}
