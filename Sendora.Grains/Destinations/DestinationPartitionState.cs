namespace Sendora.Grains.Destinations;

/// <summary>The persisted queue of one destination partition.</summary>
[GenerateSerializer, Alias("sendora.DestinationPartitionState")]
public sealed class DestinationPartitionState
{
    /// <summary>Each person's waiting messages and retry state, by profile id.</summary>
    [Id(0)] public Dictionary<string, PersonQueue> People { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Messages given up on, oldest first, kept for a replay.</summary>
    [Id(1)] public List<ParkedMessage> Parked { get; set; } = [];

    [Id(2)] public long Delivered { get; set; }

    [Id(3)] public long Failed { get; set; }

    /// <summary>The newest failures, newest first.</summary>
    [Id(4)] public List<DestinationFailure> Failures { get; set; } = [];

    /// <summary>Whether the reminder that resumes sending after a restart is registered.</summary>
    [Id(5)] public bool ReminderRegistered { get; set; }

    /// <summary>
    /// 64-bit digests of the ids of the messages delivered last, oldest first, at most
    /// <see cref="DestinationOptions.DeliveredIdsKept"/>. A message among them that is sent again does not add to
    /// <see cref="Delivered"/>.
    /// </summary>
    [Id(6)] public List<long> RecentDeliveries { get; set; } = [];
}

/// <summary>One person's waiting messages in timestamp order, and the retry state of the first of them.</summary>
[GenerateSerializer, Alias("sendora.DestinationPersonQueue")]
public sealed class PersonQueue
{
    [Id(0)] public List<QueuedMessage> Messages { get; set; } = [];

    /// <summary>Failed attempts since the last success.</summary>
    [Id(1)] public int Attempts { get; set; }

    /// <summary>When the first of those attempts failed, which starts the retry period.</summary>
    [Id(2)] public DateTimeOffset? FirstFailureAt { get; set; }

    /// <summary>No attempt before this moment; null when the person is not held back.</summary>
    [Id(3)] public DateTimeOffset? NextAttemptAt { get; set; }
}

/// <summary>A message waiting in a partition, with when it was queued, which starts its batch age.</summary>
[GenerateSerializer, Immutable, Alias("sendora.DestinationQueuedMessage")]
public sealed record QueuedMessage(
    [property: Id(0)] string MessageId,
    [property: Id(1)] DateTimeOffset Timestamp,
    [property: Id(2)] string Json,
    [property: Id(3)] DateTimeOffset QueuedAt);

/// <summary>A message given up on, with its person and the reason.</summary>
[GenerateSerializer, Immutable, Alias("sendora.DestinationParkedMessage")]
public sealed record ParkedMessage(
    [property: Id(0)] string ProfileId,
    [property: Id(1)] QueuedMessage Message,
    [property: Id(2)] DateTimeOffset ParkedAt,
    [property: Id(3)] string Reason);
