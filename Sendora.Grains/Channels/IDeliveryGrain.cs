using Orleans.Concurrency;
using Sendora.Grains.Inspection;

namespace Sendora.Grains.Channels;

/// <summary>
/// One delivery, keyed <c>{workspaceId}/{deliveryId}</c>. The delivery id is the idempotency key: the first
/// <see cref="SendAsync"/> decides and sends, every later call returns the same record and sends nothing.
/// </summary>
public interface IDeliveryGrain : IGrainWithStringKey, IInspectable
{
    /// <summary>
    /// Sends the delivery, or queues it for quiet hours or a retry, and returns its record. The intent is saved as
    /// <c>sending</c> before the provider is called and the outcome after. Throws <see cref="ArgumentException"/>
    /// when the request does not match the grain key or lacks the content of its channel.
    /// </summary>
    Task<DeliveryRecord> SendAsync(DeliveryRequest request);

    /// <summary>Returns the record, or null when no request was made under this id.</summary>
    [ReadOnly]
    Task<DeliveryRecord?> GetAsync();

    /// <summary>
    /// Attempts a queued or retrying delivery whose next attempt is due by the silo's clock, as its reminder does,
    /// and returns the record. Does nothing to a delivery that is not due or already final.
    /// </summary>
    Task<DeliveryRecord?> ResumeAsync();

    /// <summary>
    /// Erases the person's data: drops the request's content and context, and clears the record's reason, provider
    /// message id and unregistered tokens. A queued or retrying delivery ends as <c>suppressed</c> and loses its
    /// reminder. The record keeps its ids, channel, times and attempts, and the step's log entry is replaced by it.
    /// Does nothing when no request was made under this id. Calling it again only finishes what a failure cut short.
    /// </summary>
    Task EraseAsync();
}
