namespace Sendora.Grains.Destinations;

/// <summary>
/// The counts of one partition, or of a whole destination when summed. <see cref="Delivered"/> and <see cref="Failed"/>
/// count messages over the partition's life; the others count messages now held.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.DestinationPartitionStats")]
public sealed record DestinationPartitionStats
{
    /// <summary>Messages the receiver accepted.</summary>
    [Id(0)] public long Delivered { get; init; }

    /// <summary>Messages waiting for a retry of their person, held back after a failed attempt.</summary>
    [Id(1)] public long Retrying { get; init; }

    /// <summary>Messages that were parked after a rejection or after their retry period ran out.</summary>
    [Id(2)] public long Failed { get; init; }

    /// <summary>Messages parked now, waiting for a replay.</summary>
    [Id(3)] public long Parked { get; init; }

    /// <summary>Messages waiting for their first attempt.</summary>
    [Id(4)] public long Queued { get; init; }

    /// <summary>The newest failures, newest first.</summary>
    [Id(5)] public IReadOnlyList<DestinationFailure> Failures { get; init; } = [];
}

/// <summary>One failed request: its time, the person, the reason and the receiver's response.</summary>
[GenerateSerializer, Immutable, Alias("sendora.DestinationFailure")]
public sealed record DestinationFailure(
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string ProfileId,
    [property: Id(2)] int Messages,
    [property: Id(3)] string Reason,
    [property: Id(4)] int? Status,
    [property: Id(5)] string? BodyExcerpt);
