using Orleans.Concurrency;
using Sendora.Grains.Inspection;

namespace Sendora.Grains.Channels;

/// <summary>The deliveries of one journey step, keyed <c>{workspaceId}/{journeyId}/{stepId}</c>, newest first, with counts by status.</summary>
public interface IStepDeliveryLogGrain : IGrainWithStringKey, IInspectable
{
    /// <summary>Adds a delivery to the log or replaces its earlier entry.</summary>
    Task RecordAsync(DeliveryRecord record);

    /// <summary>
    /// Replaces the entry of an erased delivery with <paramref name="record"/> and moves its count when the status
    /// changed. Adds no entry when the log no longer keeps the delivery, so that a repeated call counts nothing twice.
    /// </summary>
    Task EraseAsync(DeliveryRecord record);

    /// <summary>Returns up to <paramref name="limit"/> entries after the first <paramref name="offset"/>, newest first.</summary>
    [ReadOnly]
    Task<DeliveryLogPage> GetLogAsync(int offset, int limit);
}
