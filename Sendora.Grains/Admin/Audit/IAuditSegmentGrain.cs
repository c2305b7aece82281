using Orleans.Concurrency;

namespace Sendora.Grains.Admin.Audit;

/// <summary>
/// One segment of a workspace's audit log, keyed as <see cref="AuditSegmentInfo.GrainKey"/> makes it: the entries
/// of one UTC day, up to <see cref="AuditSegmentGrain.MaxBytes"/> of them. Entries are only ever appended; the
/// segment is dropped whole once its day is past the retention.
/// </summary>
public interface IAuditSegmentGrain : IGrainWithStringKey
{
    /// <summary>
    /// Appends <paramref name="entry"/>, which must have been made on this segment's day. Returns
    /// <see cref="AuditAppendResult.Duplicate"/> when the segment has an entry with its id and
    /// <see cref="AuditAppendResult.Full"/>, storing nothing, when it would grow past its size limit.
    /// </summary>
    Task<AuditAppendResult> AppendAsync(AuditEntry entry);

    /// <summary>Returns true when the segment stores an entry with the id <paramref name="entryId"/>.</summary>
    [ReadOnly]
    Task<bool> ContainsAsync(string entryId);

    /// <summary>Returns up to <paramref name="query"/>'s limit of the entries that match it, newest first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query);

    /// <summary>
    /// Deletes the segment's stored state when the end of its day is older than the retention, and returns true
    /// then or when it stores nothing. Returns false and keeps every entry otherwise.
    /// </summary>
    Task<bool> DropIfExpiredAsync();
}
