using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using Sendora.Grains;
using Sendora.Grains.Profiles;

namespace Sendora.Tests.Grains;

/// <summary>
/// The profile index and change log shards, which keep their entries in buckets of their own storage records and
/// still read what an older build stored in the shard's single record.
/// </summary>
public abstract class ShardBucketTests(ProfileClusterFixture fixture)
{
    private readonly IGrainFactory _grains = fixture.Grains;
    private readonly TestCluster _cluster = fixture.Cluster;
    private readonly string _workspaceId = "ws-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Index_AfterReactivation_ListsLegacyAndNewIds()
    {
        var shard = _grains.GetGrain<IProfileIndexGrain>(IProfileIndexGrain.KeyOf(_workspaceId, 3));
        var legacy = new ProfileIndexState();
        legacy.ProfileIds.UnionWith(["p_a", "p_c"]);
        await Storage.WriteStateAsync("profileIndex", shard.GetGrainId(), new GrainState<ProfileIndexState>(legacy));

        var added = Enumerable.Range(0, 200).Select(i => $"p_n{i:D3}").ToList();
        await Task.WhenAll(added.Select(shard.AddAsync));
        await shard.AddAsync("p_a");
        await Reactivate();

        var listed = await shard.ListAsync(null, 1_000);
        Assert.Equal(202, await shard.CountAsync());
        Assert.Equal([.. added.Append("p_a").Append("p_c").Order(StringComparer.Ordinal)], listed);
        Assert.Equal(["p_c"], await shard.ListAsync("p_a", 1));
        var stored = await ReadAsync<ProfileIndexState>("profileIndex", shard.GetGrainId());
        Assert.Equal(["p_a", "p_c"], stored.ProfileIds);
        var buckets = new StateBuckets<ProfileIndexBucket>(
            Storage, "profileIndex", shard.GetGrainId(), ProfileIndexGrain.BucketCount);
        await buckets.ReadAsync(uint.MaxValue);
        var inBuckets = Enumerable.Range(0, buckets.Count).SelectMany(i => buckets[i].ProfileIds).ToList();
        Assert.Equal(added.Order(StringComparer.Ordinal), inBuckets.Order(StringComparer.Ordinal));
        Assert.True(Enumerable.Range(0, buckets.Count).Count(i => buckets[i].ProfileIds.Count > 0) > 1);
    }

    [Fact]
    public async Task ChangeLog_AfterReactivation_KeepsSequences()
    {
        var shard = _grains.GetGrain<IProfileChangeLogGrain>(IProfileChangeLogGrain.KeyOf(_workspaceId, 5));
        var legacy = new ProfileChangeLogState { LastSequence = 7 };
        legacy.Changes["p_old"] = new ProfileChange("p_old", 6, 2);
        legacy.Changes["p_moved"] = new ProfileChange("p_moved", 7, 3);
        await Storage.WriteStateAsync("profileChanges", shard.GetGrainId(), new GrainState<ProfileChangeLogState>(legacy));

        await shard.RecordAsync("p_moved", 4);
        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => shard.RecordAsync($"p_n{i:D3}", 1)));
        await Reactivate();

        Assert.Equal(108, await shard.GetLastSequenceAsync());
        var changes = await shard.ReadAsync(0, long.MaxValue, 1_000);
        Assert.Equal(102, changes.Count);
        Assert.Equal(new ProfileChange("p_old", 6, 2), changes[0]);
        Assert.Equal(new ProfileChange("p_moved", 8, 4), changes[1]);
        Assert.Equal([.. changes.Select(c => c.Sequence).Order()], changes.Select(c => c.Sequence));
        Assert.Equal(Enumerable.Range(9, 100).Select(i => (long)i), changes.Skip(2).Select(c => c.Sequence));

        var buckets = new StateBuckets<ProfileChangeLogState>(
            Storage, "profileChanges", shard.GetGrainId(), ProfileChangeLogGrain.BucketCount);
        await buckets.ReadAsync(uint.MaxValue);
        Assert.Equal(101, Enumerable.Range(0, buckets.Count).Sum(i => buckets[i].Changes.Count));
        Assert.Equal(108, Enumerable.Range(0, buckets.Count).Max(i => buckets[i].LastSequence));

        // A change after reactivation takes the next sequence, above every stored one.
        await shard.RecordAsync("p_old", 3);
        Assert.Equal(109, await shard.GetLastSequenceAsync());
        Assert.Equal(new ProfileChange("p_old", 109, 3), Assert.Single(await shard.ReadAsync(108, long.MaxValue, 10)));
    }

    [Fact]
    public async Task Buckets_FirstWrite_StoresOwnerMaskBeforeBucket()
    {
        var ownerId = GrainId.Create("profileindex", $"{_workspaceId}/mask");
        var owner = new StoredOwner(Storage, ownerId);
        var buckets = new StateBuckets<ProfileIndexBucket>(Storage, "profileIndex", ownerId, ProfileIndexGrain.BucketCount);
        buckets[1].ProfileIds.Add("p_one");
        buckets[5].ProfileIds.Add("p_five");

        await buckets.WriteAsync([1, 5, 1], owner);

        Assert.Equal(1u << 1 | 1u << 5, (await ReadAsync<ProfileIndexState>("profileIndex", ownerId)).WrittenBuckets);
        var reread = new StateBuckets<ProfileIndexBucket>(Storage, "profileIndex", ownerId, ProfileIndexGrain.BucketCount);
        await reread.ReadAsync(owner.State.WrittenBuckets);
        Assert.Equal(["p_one"], reread[1].ProfileIds);
        Assert.Equal(["p_five"], reread[5].ProfileIds);

        // When the owner's record cannot be stored, the new bucket is not written and the mask is as it was.
        owner.Fail = true;
        buckets[9].ProfileIds.Add("p_nine");
        await Assert.ThrowsAsync<IOException>(() => buckets.WriteAsync([9], owner));
        Assert.Equal(1u << 1 | 1u << 5, owner.State.WrittenBuckets);
        await reread.ReadAsync(uint.MaxValue);
        Assert.Empty(reread[9].ProfileIds);

        // A bucket already in the mask needs no write of the owner's record.
        buckets[1].ProfileIds.Add("p_two");
        await buckets.WriteAsync([1], owner);
        await reread.ReadAsync(uint.MaxValue);
        Assert.Equal(["p_one", "p_two"], reread[1].ProfileIds.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Buckets_ClearedThenReactivated_WriteAgain()
    {
        var ownerId = GrainId.Create("profileindex", $"{_workspaceId}/cleared");
        var owner = new StoredOwner(Storage, ownerId);
        var buckets = new StateBuckets<ProfileIndexBucket>(Storage, "profileIndex", ownerId, ProfileIndexGrain.BucketCount);
        buckets[2].ProfileIds.Add("p_before");
        await buckets.WriteAsync([2], owner);
        await buckets.ClearAsync(owner.State.WrittenBuckets);
        await owner.ClearStateAsync();

        // A new activation reads the cleared owner's mask, so it never reads the emptied bucket's record.
        var reactivatedOwner = new StoredOwner(Storage, ownerId);
        await reactivatedOwner.ReadStateAsync();
        var reactivated = new StateBuckets<ProfileIndexBucket>(Storage, "profileIndex", ownerId, ProfileIndexGrain.BucketCount);
        await reactivated.ReadAsync(reactivatedOwner.State.WrittenBuckets);
        reactivated[2].ProfileIds.Add("p_after");
        await reactivated.WriteAsync([2], reactivatedOwner);

        var reread = new StateBuckets<ProfileIndexBucket>(Storage, "profileIndex", ownerId, ProfileIndexGrain.BucketCount);
        await reread.ReadAsync(uint.MaxValue);
        Assert.Equal(["p_after"], reread[2].ProfileIds);
        Assert.Equal(1u << 2, (await ReadAsync<ProfileIndexState>("profileIndex", ownerId)).WrittenBuckets);
    }

    private Task Reactivate() => _grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

    private IGrainStorage Storage => (_cluster.Primary as InProcessSiloHandle)?.SiloHost.Services
        .GetRequiredKeyedService<IGrainStorage>(SendoraNames.GrainStorage)
        ?? throw new InvalidOperationException("The test cluster's primary silo is not in this process.");

    private async Task<T> ReadAsync<T>(string stateName, GrainId grainId)
        where T : class, new()
    {
        var state = new GrainState<T>();
        await Storage.ReadStateAsync(stateName, grainId, state);
        Assert.True(state.RecordExists, $"Storage has no record {stateName} of {grainId}.");
        return state.State ?? throw new InvalidOperationException("Storage returned no state.");
    }
}

public sealed class ShardBucketAzureStorageTests(AzureStorageClusterFixture fixture)
    : ShardBucketTests(fixture), IClassFixture<AzureStorageClusterFixture>;

public sealed class ShardBucketRedisTests(RedisClusterFixture fixture)
    : ShardBucketTests(fixture), IClassFixture<RedisClusterFixture>;

/// <summary>An owner's record in real storage, whose writes fail while <see cref="Fail"/> is set.</summary>
internal sealed class StoredOwner(IGrainStorage storage, GrainId grainId) : IPersistentState<ProfileIndexState>
{
    private readonly GrainState<ProfileIndexState> _record = new(new ProfileIndexState());

    public bool Fail { get; set; }

    public ProfileIndexState State
    {
        get => _record.State!;
        set => _record.State = value;
    }

    public string? Etag => _record.ETag;

    public bool RecordExists => _record.RecordExists;

    public Task ClearStateAsync() => storage.ClearStateAsync("profileIndex", grainId, _record);

    public Task ReadStateAsync() => storage.ReadStateAsync("profileIndex", grainId, _record);

    public Task WriteStateAsync() => Fail
        ? Task.FromException(new IOException("The owner's record is not writable."))
        : storage.WriteStateAsync("profileIndex", grainId, _record);
}
