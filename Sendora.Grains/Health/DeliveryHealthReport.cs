namespace Sendora.Grains.Health;

/// <summary>A channel's deliveries over the last hour and the state of its delivery alert.</summary>
[GenerateSerializer, Immutable, Alias("sendora.DeliveryHealthReport")]
public sealed record DeliveryHealthReport
{
    [Id(0)] public required long Sent { get; init; }

    [Id(1)] public required long Failed { get; init; }

    [Id(2)] public required long OutcomeUnknown { get; init; }

    /// <summary>Suppressed and capped deliveries, left out of the rate.</summary>
    [Id(3)] public required long NotAttempted { get; init; }

    /// <summary>Sent over sent, failed and outcome unknown, or null when there were none.</summary>
    [Id(4)] public double? SuccessRate { get; init; }

    [Id(5)] public required bool AlertOpen { get; init; }

    /// <summary>Sent, failed and outcome unknown together.</summary>
    public long Attempted => Sent + Failed + OutcomeUnknown;
}
