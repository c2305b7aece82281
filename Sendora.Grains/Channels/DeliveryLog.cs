namespace Sendora.Grains.Channels;

/// <summary>
/// A bounded delivery log, newest first, with counts of deliveries by their latest status. The counts follow
/// each delivery from status to status while its entry is kept.
/// </summary>
[GenerateSerializer, Alias("sendora.DeliveryLog")]
public sealed class DeliveryLog
{
    [Id(0)] public List<DeliveryRecord> Entries { get; set; } = [];

    [Id(1)] public Dictionary<string, long> Counts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Adds <paramref name="record"/> or replaces its entry; returns false when the entry already matched.</summary>
    public bool Record(DeliveryRecord record, int limit)
    {
        var index = Entries.FindIndex(e => e.DeliveryId == record.DeliveryId);
        if (index >= 0)
        {
            if (Matches(Entries[index], record))
            {
                return false;
            }

            RemoveAt(index);
        }

        // NOTE: a repeated report for a delivery whose entry was already dropped by the limit is counted again.
        Entries.Insert(0, record);
        Counts[record.Status] = Counts.GetValueOrDefault(record.Status) + 1;
        if (Entries.Count > limit)
        {
            Entries.RemoveRange(limit, Entries.Count - limit);
        }

        return true;
    }

    /// <summary>
    /// Replaces the entry of <paramref name="record"/> in place; returns false when the log keeps no entry for it or
    /// the entry already matched.
    /// </summary>
    public bool Replace(DeliveryRecord record)
    {
        var index = Entries.FindIndex(e => e.DeliveryId == record.DeliveryId);
        if (index < 0 || Matches(Entries[index], record))
        {
            return false;
        }

        RemoveAt(index);
        Entries.Insert(index, record);
        Counts[record.Status] = Counts.GetValueOrDefault(record.Status) + 1;
        return true;
    }

    public DeliveryLogPage Page(int offset, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return new DeliveryLogPage([.. Entries.Skip(offset).Take(limit)], Entries.Count, new Dictionary<string, long>(Counts));
    }

    private static bool Matches(DeliveryRecord entry, DeliveryRecord record) =>
        entry.Status == record.Status && entry.UpdatedAt == record.UpdatedAt;

    private void RemoveAt(int index)
    {
        var previous = Entries[index];
        Entries.RemoveAt(index);
        Counts[previous.Status] = Math.Max(0, Counts.GetValueOrDefault(previous.Status) - 1);
    }
}
