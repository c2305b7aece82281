namespace Sendora.Grains.Destinations;

/// <summary>
/// The queue of one destination for the people of one partition, keyed <c>{workspaceId}/{destinationId}/{partition}</c>.
/// It saves what it is given before it returns, then sends batches from a timer: each person's messages in timestamp
/// order, a failing person's later messages held back while the others go on.
/// </summary>
public interface IDestinationPartitionGrain : IGrainWithStringKey
{
    /// <summary>Saves messages for sending. A message whose id is already queued for the same person is skipped.</summary>
    Task EnqueueAsync(IReadOnlyList<DestinationMessage> messages);

    /// <summary>Returns the partition's counts and newest failure samples.</summary>
    [Orleans.Concurrency.AlwaysInterleave]
    Task<DestinationPartitionStats> GetStatsAsync();

    /// <summary>Queues every parked message again, each behind its person's waiting messages. Returns how many.</summary>
    Task<int> ReplayParkedAsync();

    /// <summary>Drops everything queued and parked, for a deleted destination.</summary>
    Task ClearAsync();
}

/// <summary>Returns the partition of a person, stable across processes and restarts.</summary>
public static class DestinationPartitions
{
    public static int Of(string profileId, int partitions)
    {
        ArgumentNullException.ThrowIfNull(profileId);
        // FNV-1a, because string.GetHashCode differs between processes.
        var hash = 2166136261u;
        foreach (var c in profileId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % (uint)partitions);
    }

    public static string Key(string workspaceId, string destinationId, int partition) =>
        GrainKeys.Scoped(workspaceId, $"{destinationId}/{partition}");
}
