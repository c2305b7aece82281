using Orleans.Concurrency;
using Sendora.Grains.Inspection;

namespace Sendora.Grains.Channels;

/// <summary>
/// The delivery side of one profile, keyed <c>{workspaceId}/{profileId}</c>: subscription state per channel,
/// undeliverable email addresses, frequency cap counters and the delivery log, newest first.
/// </summary>
public interface IProfileDeliveryGrain : IGrainWithStringKey, IInspectable
{
    /// <summary>
    /// Decides whether a delivery may be sent now and, when it may and is capped, counts it. A repeated
    /// call for the same delivery id is counted once.
    /// </summary>
    Task<DeliveryAdmission> AdmitAsync(AdmissionRequest request);

    /// <summary>Adds a delivery to the log or replaces its earlier entry.</summary>
    Task RecordAsync(DeliveryRecord record);

    /// <summary>Subscribes or unsubscribes the profile from non-transactional messages of a channel.</summary>
    Task SetSubscriptionAsync(string channel, bool subscribed, string reason);

    /// <summary>Marks an email address as undeliverable, so every later email to it is suppressed.</summary>
    Task MarkUndeliverableAsync(string address, string reason);

    /// <summary>Removes the profile's subscriptions, undeliverable addresses, capped sends and delivery log.</summary>
    Task EraseAsync();

    /// <summary>Returns the subscription state and the undeliverable addresses.</summary>
    [ReadOnly]
    Task<ProfileDeliveryStatus> GetStatusAsync();

    /// <summary>Returns up to <paramref name="limit"/> log entries after the first <paramref name="offset"/>, newest first.</summary>
    [ReadOnly]
    Task<DeliveryLogPage> GetLogAsync(int offset, int limit);
}
