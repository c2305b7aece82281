namespace Sendora.Grains.Channels;

/// <summary>The state of one delivery, as its grain, the profile's log and the step's log show it.</summary>
[GenerateSerializer, Immutable, Alias("sendora.DeliveryRecord")]
public sealed record DeliveryRecord
{
    [Id(0)] public required string DeliveryId { get; init; }

    [Id(1)] public required string Channel { get; init; }

    [Id(2)] public required string ProfileId { get; init; }

    [Id(3)] public string? JourneyId { get; init; }

    [Id(4)] public string? StepId { get; init; }

    /// <summary>One of <see cref="DeliveryStatuses"/>.</summary>
    [Id(5)] public required string Status { get; init; }

    /// <summary>Why the delivery failed, was suppressed, capped or is retrying.</summary>
    [Id(6)] public string? Reason { get; init; }

    /// <summary>How many times the provider was called.</summary>
    [Id(7)] public int Attempts { get; init; }

    /// <summary>When the delivery was first requested.</summary>
    [Id(8)] public DateTimeOffset QueuedAt { get; init; }

    [Id(9)] public DateTimeOffset UpdatedAt { get; init; }

    [Id(10)] public DateTimeOffset? SentAt { get; init; }

    /// <summary>The SMTP server's queue id, the FCM message name or the webhook's response id, when known.</summary>
    [Id(11)] public string? ProviderMessageId { get; init; }

    /// <summary>Push tokens that FCM reported as <c>UNREGISTERED</c>; the profile should drop them.</summary>
    [Id(12)] public IReadOnlyList<PushToken> UnregisteredTokens { get; init; } = [];

    /// <summary>When a queued or retrying delivery is next attempted.</summary>
    [Id(13)] public DateTimeOffset? NextAttemptAt { get; init; }
}
