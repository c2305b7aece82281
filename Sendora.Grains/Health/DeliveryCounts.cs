namespace Sendora.Grains.Health;

/// <summary>The final statuses of one channel's deliveries in one minute.</summary>
[GenerateSerializer, Alias("sendora.DeliveryCounts")]
public sealed class DeliveryCounts : ITimeBucket
{
    [Id(0)] public DateTimeOffset Start { get; set; }

    [Id(1)] public long Sent { get; set; }

    [Id(2)] public long Failed { get; set; }

    [Id(3)] public long OutcomeUnknown { get; set; }

    /// <summary>Suppressed and capped deliveries, which were not attempted and count neither way.</summary>
    [Id(4)] public long NotAttempted { get; set; }
}
