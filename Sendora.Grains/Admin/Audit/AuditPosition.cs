namespace Sendora.Grains.Admin.Audit;

/// <summary>
/// A place in the audit log's newest-first order: entries sort by time, then by id, both descending. A page's
/// cursor is the position of its last entry.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.AuditPosition")]
public sealed record AuditPosition([property: Id(0)] DateTimeOffset At, [property: Id(1)] string EntryId)
{
    /// <summary>Returns true when <paramref name="entry"/> comes after this position, that is, is older.</summary>
    public bool IsBefore(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var byTime = entry.At.CompareTo(At);
        return byTime < 0 || (byTime == 0 && string.CompareOrdinal(entry.Id, EntryId) < 0);
    }
}
