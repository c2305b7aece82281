namespace Sendora.Grains.Admin.Audit;

public sealed partial class AuditLogGrain
{
    public async Task<AuditPage> QueryAsync(AuditQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.Limit, 1);

        // Entries past the retention are left out even while their day's segment is still stored.
        var cutoff = RetentionCutoff();
        var bounded = query with { From = query.From is { } from && from > cutoff ? from : cutoff };
        var newest = Earliest(query.To, query.After?.At);
        var days = Segments.Select(s => s.Day).Distinct()
            .Where(day => AuditSegmentInfo.EndOf(day) > bounded.From)
            .Where(day => newest is null || day <= AuditSegmentInfo.DayOf(newest.Value))
            .OrderDescending();

        // Every entry of a day is newer than every entry of the days before it, so reading days newest first and
        // merging the segments of each keeps the order. One entry more than the page shows whether a next exists.
        var found = new List<AuditEntry>(query.Limit + 1);
        foreach (var day in days)
        {
            var remaining = query.Limit + 1 - found.Count;
            var parts = await Task.WhenAll(Segments.Where(s => s.Day == day)
                .Select(s => Segment(s).QueryAsync(bounded with { Limit = remaining })));
            found.AddRange(parts.SelectMany(p => p)
                .OrderByDescending(e => e.At)
                .ThenByDescending(e => e.Id, StringComparer.Ordinal)
                .Take(remaining));
            if (found.Count > query.Limit)
            {
                break;
            }
        }

        var page = found.Take(query.Limit).ToList();
        return new AuditPage(page, found.Count > query.Limit ? page[^1].Position : null);
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? first, DateTimeOffset? second)
    {
        if (first is null || second is null)
        {
            return first ?? second;
        }

        return first < second ? first : second;
    }
}
