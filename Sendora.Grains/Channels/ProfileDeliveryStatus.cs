namespace Sendora.Grains.Channels;

/// <summary>A profile's subscription state per channel and its undeliverable email addresses.</summary>
[GenerateSerializer, Immutable, Alias("sendora.ProfileDeliveryStatus")]
public sealed record ProfileDeliveryStatus(
    [property: Id(0)] IReadOnlyDictionary<string, SubscriptionState> Subscriptions,
    [property: Id(1)] IReadOnlyDictionary<string, UndeliverableAddress> UndeliverableAddresses);

/// <summary>Whether a profile receives a channel's non-transactional messages, since when and why.</summary>
[GenerateSerializer, Immutable, Alias("sendora.SubscriptionState")]
public sealed record SubscriptionState(
    [property: Id(0)] bool Subscribed,
    [property: Id(1)] DateTimeOffset ChangedAt,
    [property: Id(2)] string Reason);

/// <summary>Why and when an address was found undeliverable.</summary>
[GenerateSerializer, Immutable, Alias("sendora.UndeliverableAddress")]
public sealed record UndeliverableAddress([property: Id(0)] DateTimeOffset At, [property: Id(1)] string Reason);
