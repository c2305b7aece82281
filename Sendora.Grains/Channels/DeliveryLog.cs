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
            var previous = Entries[index];
            if (previous.Status == record.Status && previous.UpdatedAt == record.UpdatedAt)
            {
                return false;
            }

            Entries.RemoveAt(index);
            Counts[previous.Status] = Math.Max(0, Counts.GetValueOrDefault(previous.Status) - 1);
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

    public DeliveryLogPage Page(int offset, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return new DeliveryLogPage([.. Entries.Skip(offset).Take(limit)], Entries.Count, new Dictionary<string, long>(Counts));
    }
}
