using Microsoft.Extensions.Options;
using Sendora.Grains.Inspection;

namespace Sendora.Grains.Channels;

/// <summary>Keeps one profile's subscriptions, undeliverable addresses, cap counters and delivery log.</summary>
public sealed class ProfileDeliveryGrain(
    [PersistentState("deliveries", SendoraNames.GrainStorage)] IPersistentState<ProfileDeliveryState> deliveries,
    IOptions<ChannelOptions> options,
    TimeProvider clock) : Grain, IProfileDeliveryGrain
{
    public async Task<DeliveryAdmission> AdmitAsync(AdmissionRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var state = deliveries.State;
        if (request.Address is { } address
            && state.UndeliverableAddresses.TryGetValue(NormalizeAddress(address), out var undeliverable))
        {
            return new DeliveryAdmission(DeliveryStatuses.Suppressed, $"The address is undeliverable: {undeliverable.Reason}");
        }

        if (request.Transactional)
        {
            return DeliveryAdmission.Allowed;
        }

        if (state.Subscriptions.TryGetValue(request.Channel, out var subscription) && !subscription.Subscribed)
        {
            return new DeliveryAdmission(DeliveryStatuses.Suppressed,
                $"The profile unsubscribed from {request.Channel} at {subscription.ChangedAt:O}: {subscription.Reason}");
        }

        if (request.Cap is not { } cap)
        {
            return DeliveryAdmission.Allowed;
        }

        var counted = state.CappedSends.GetValueOrDefault(request.Channel) ?? [];
        if (counted.Any(s => s.DeliveryId == request.DeliveryId))
        {
            return DeliveryAdmission.Allowed;
        }

        counted.RemoveAll(s => s.At <= request.At - cap.Window);
        if (counted.Count >= cap.Limit)
        {
            return new DeliveryAdmission(DeliveryStatuses.Capped,
                $"The profile received {counted.Count} {request.Channel} messages in the last {cap.Window}, the cap is {cap.Limit}.");
        }

        counted.Add(new CappedSend(request.DeliveryId, request.At));
        state.CappedSends[request.Channel] = counted;
        await deliveries.WriteStateAsync();
        return DeliveryAdmission.Allowed;
    }

    public async Task RecordAsync(DeliveryRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (deliveries.State.Log.Record(record, options.Value.ProfileLogLimit))
        {
            await deliveries.WriteStateAsync();
        }
    }

    public async Task SetSubscriptionAsync(string channel, bool subscribed, string reason)
    {
        if (!DeliveryChannels.IsKnown(channel))
        {
            throw new ArgumentException($"Unknown channel '{channel}'; expected email, push or webhook.", nameof(channel));
        }

        deliveries.State.Subscriptions[channel] = new SubscriptionState(subscribed, clock.GetUtcNow(), reason);
        await deliveries.WriteStateAsync();
    }

    public async Task MarkUndeliverableAsync(string address, string reason)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        deliveries.State.UndeliverableAddresses[NormalizeAddress(address)] = new UndeliverableAddress(clock.GetUtcNow(), reason);
        await deliveries.WriteStateAsync();
    }

    public async Task EraseAsync()
    {
        deliveries.State = new ProfileDeliveryState();
        await deliveries.WriteStateAsync();
    }

    public Task<ProfileDeliveryStatus> GetStatusAsync() => Task.FromResult(new ProfileDeliveryStatus(
        new Dictionary<string, SubscriptionState>(deliveries.State.Subscriptions),
        new Dictionary<string, UndeliverableAddress>(deliveries.State.UndeliverableAddresses)));

    public Task<DeliveryLogPage> GetLogAsync(int offset, int limit) => Task.FromResult(deliveries.State.Log.Page(offset, limit));

    public Task<GrainInspection> InspectAsync(int maxItems) => Task.FromResult(GrainInspector.Inspect(this, deliveries, maxItems));

    private static string NormalizeAddress(string address) => address.Trim().ToLowerInvariant();
}

[GenerateSerializer, Alias("sendora.ProfileDeliveryState")]
public sealed class ProfileDeliveryState
{
    [Id(0)] public Dictionary<string, SubscriptionState> Subscriptions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Undeliverable addresses, lower-cased.</summary>
    [Id(1)] public Dictionary<string, UndeliverableAddress> UndeliverableAddresses { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Capped deliveries by channel, within the longest cap window seen.</summary>
    [Id(2)] public Dictionary<string, List<CappedSend>> CappedSends { get; set; } = new(StringComparer.Ordinal);

    [Id(3)] public DeliveryLog Log { get; set; } = new();
}

[GenerateSerializer, Immutable, Alias("sendora.CappedSend")]
public sealed record CappedSend([property: Id(0)] string DeliveryId, [property: Id(1)] DateTimeOffset At);
