using Orleans.Concurrency;

namespace Sendora.Grains.Admin.Audit;

/// <summary>
/// A workspace's audit log, keyed by workspace id: the index of its segments, which hold the entries. Entries
/// are appended and read, never changed; whole segments are dropped once their day is past
/// <see cref="AuditOptions.Retention"/>, when entries are appended and by a daily reminder.
/// </summary>
public interface IAuditLogGrain : IGrainWithStringKey
{
    /// <summary>
    /// Appends <paramref name="entries"/> to the segments of the days they were made. An entry whose id the log
    /// has for that day is skipped, so a writer may send an entry again after a failure. An entry already past
    /// the retention is skipped with a warning.
    /// </summary>
    Task AppendAsync(IReadOnlyList<AuditEntry> entries);

    /// <summary>Returns the entries that match <paramref name="query"/>, newest first, one page at a time.</summary>
    [ReadOnly]
    Task<AuditPage> QueryAsync(AuditQuery query);

    /// <summary>Returns the log's segments, oldest first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<AuditSegmentInfo>> GetSegmentsAsync();

    /// <summary>Drops every segment whose day is past the retention; the daily reminder calls this.</summary>
    Task DropExpiredAsync();
}
