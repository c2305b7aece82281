using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;
using Orleans.Storage;

namespace Sendora.Grains.Profiles;

/// <summary>
/// One shard of the list of a workspace's profile ids, keyed <c>{workspaceId}/profiles/{n}</c>, which
/// backfills and audience estimates walk. A profile adds itself when it is created.
/// </summary>
public interface IProfileIndexGrain : IGrainWithStringKey
{
    /// <summary>The number of shards per workspace. Fixed, because changing it would move profiles between shards.</summary>
    const int ShardCount = 64;

    /// <summary>Adds a profile id. Concurrent calls interleave so that new profiles share one storage write.</summary>
    [AlwaysInterleave]
    Task AddAsync(string profileId);

    /// <summary>Returns up to <paramref name="limit"/> profile ids after <paramref name="afterProfileId"/>, in ordinal order.</summary>
    [ReadOnly]
    Task<IReadOnlyList<string>> ListAsync(string? afterProfileId, int limit);

    [ReadOnly]
    Task<int> CountAsync();

    static string KeyOf(string workspaceId, int shard) => $"{workspaceId}/profiles/{shard}";

    static string KeyFor(string workspaceId, string profileId) =>
        KeyOf(workspaceId, Audiences.AudienceGrain.ShardOf(profileId, ShardCount));
}

public sealed class ProfileIndexGrain(
    [PersistentState("profileIndex", SendoraNames.GrainStorage)] IPersistentState<ProfileIndexState> index)
    : Grain, IProfileIndexGrain
{
    // Records per shard. A workspace of 1,000,000 profiles has about 490 ids in each, so a new profile writes
    // about 15 KB instead of the shard's 15,600 ids.
    public const int BucketCount = 32;

    private readonly SortedSet<string> _ids = new(StringComparer.Ordinal);
    private StateBuckets<ProfileIndexBucket>? _buckets;
    private GroupedWrites<string, bool>? _writes;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Ids stored before the shard had buckets stay in the grain's own record, which is read but not written.
        _ids.UnionWith(index.State.ProfileIds);
        var storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(SendoraNames.GrainStorage);
        _buckets = new StateBuckets<ProfileIndexBucket>(storage, "profileIndex", this.GetGrainId(), BucketCount);
        await _buckets.ReadAsync(index.State.WrittenBuckets);
        for (var i = 0; i < BucketCount; i++)
        {
            _ids.UnionWith(_buckets[i].ProfileIds);
        }

        _writes = new GroupedWrites<string, bool>(WriteAsync);
    }

    public Task AddAsync(string profileId)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        return _ids.Contains(profileId) ? Task.CompletedTask : _writes!.AddAsync([profileId]);
    }

    private async Task<bool> WriteAsync(IReadOnlyList<string> profileIds)
    {
        var added = profileIds.Where(_ids.Add).Select(id => (Id: id, Bucket: _buckets!.BucketOf(id))).ToList();
        if (added.Count == 0)
        {
            return true;
        }

        foreach (var (id, bucket) in added)
        {
            _buckets![bucket].ProfileIds.Add(id);
        }

        try
        {
            await _buckets!.WriteAsync(added.Select(entry => entry.Bucket), index);
        }
        catch
        {
            // Buckets written before the failure keep the ids, so a later activation may list them. A profile
            // that was never stored reads as empty, and backfills skip it.
            foreach (var (id, bucket) in added)
            {
                _buckets![bucket].ProfileIds.Remove(id);
                _ids.Remove(id);
            }

            throw;
        }

        return true;
    }

    public Task<IReadOnlyList<string>> ListAsync(string? afterProfileId, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        IEnumerable<string> page = afterProfileId is null
            ? _ids
            : _ids.GetViewBetween(afterProfileId, _ids.Max ?? afterProfileId).Where(id => id != afterProfileId);
        return Task.FromResult<IReadOnlyList<string>>(page.Take(limit).ToList());
    }

    public Task<int> CountAsync() => Task.FromResult(_ids.Count);
}

/// <summary>
/// The shard's own record: the mask of its written buckets, and the ids it stored before it kept them in
/// buckets, which are read at activation and never changed.
/// </summary>
[GenerateSerializer, Alias("sendora.ProfileIndexState")]
public sealed class ProfileIndexState : IWrittenBuckets
{
    [Id(0)] public SortedSet<string> ProfileIds { get; set; } = new(StringComparer.Ordinal);

    /// <summary>A bit per bucket that was ever written, so that activation reads only those.</summary>
    [Id(1)] public uint WrittenBuckets { get; set; }
}

/// <summary>The ids of one bucket of a profile index shard, in the order they were added.</summary>
[GenerateSerializer, Alias("sendora.ProfileIndexBucket")]
public sealed class ProfileIndexBucket
{
    [Id(0)] public List<string> ProfileIds { get; set; } = [];
}
