using Orleans.Concurrency;

namespace Sendora.Grains.Profiles;

/// <summary>
/// One shard of a workspace's profile change log, keyed <c>{workspaceId}/changes/{n}</c> with the same shards as
/// <see cref="IProfileIndexGrain"/>. A profile records itself here after each persisted change, and the log keeps
/// only the latest change of each profile, numbered by a sequence that grows within the shard. Data syncs read it
/// to export what changed after their checkpoint.
/// </summary>
public interface IProfileChangeLogGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records that <paramref name="profileId"/> persisted state version <paramref name="version"/>, with a new
    /// sequence number. A version at or below the one already recorded changes nothing, so a profile may record
    /// the same version again after a failure. A profile whose recorded change no reader has reached yet keeps its
    /// sequence, and nothing is written: readers export a profile as it is when they reach it.
    /// Concurrent calls interleave so that they share one storage write.
    /// </summary>
    [AlwaysInterleave]
    Task RecordAsync(string profileId, long version);

    /// <summary>
    /// Returns up to <paramref name="limit"/> changes with a sequence above <paramref name="afterSequence"/> and at
    /// most <paramref name="upToSequence"/>, in sequence order.
    /// </summary>
    [ReadOnly]
    Task<IReadOnlyList<ProfileChange>> ReadAsync(long afterSequence, long upToSequence, int limit);

    /// <summary>Returns the number of changes with a sequence above <paramref name="afterSequence"/> and at most <paramref name="upToSequence"/>.</summary>
    [ReadOnly]
    Task<int> CountAsync(long afterSequence, long upToSequence);

    /// <summary>Returns the highest sequence number given so far; 0 when nothing was recorded.</summary>
    [ReadOnly]
    Task<long> GetLastSequenceAsync();

    static string KeyOf(string workspaceId, int shard) => $"{workspaceId}/changes/{shard}";

    static string KeyFor(string workspaceId, string profileId) =>
        KeyOf(workspaceId, Audiences.AudienceGrain.ShardOf(profileId, IProfileIndexGrain.ShardCount));
}

/// <summary>The latest recorded change of one profile.</summary>
[GenerateSerializer, Immutable, Alias("sendora.ProfileChange")]
public sealed record ProfileChange(
    [property: Id(0)] string ProfileId,
    [property: Id(1)] long Sequence,
    [property: Id(2)] long Version);
