using Orleans.Concurrency;

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
    private GroupedWrites<string, bool>? _writes;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _writes = new GroupedWrites<string, bool>(WriteAsync);
        return Task.CompletedTask;
    }

    public Task AddAsync(string profileId)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        return index.State.ProfileIds.Contains(profileId) ? Task.CompletedTask : _writes!.AddAsync([profileId]);
    }

    private async Task<bool> WriteAsync(IReadOnlyList<string> profileIds)
    {
        var added = profileIds.Where(index.State.ProfileIds.Add).ToList();
        if (added.Count == 0)
        {
            return true;
        }

        try
        {
            await index.WriteStateAsync();
        }
        catch
        {
            index.State.ProfileIds.ExceptWith(added);
            throw;
        }

        return true;
    }

    public Task<IReadOnlyList<string>> ListAsync(string? afterProfileId, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var ids = index.State.ProfileIds;
        IEnumerable<string> page = afterProfileId is null
            ? ids
            : ids.GetViewBetween(afterProfileId, ids.Max ?? afterProfileId).Where(id => id != afterProfileId);
        return Task.FromResult<IReadOnlyList<string>>([.. page.Take(limit)]);
    }

    public Task<int> CountAsync() => Task.FromResult(index.State.ProfileIds.Count);
}

[GenerateSerializer, Alias("sendora.ProfileIndexState")]
public sealed class ProfileIndexState
{
    [Id(0)] public SortedSet<string> ProfileIds { get; set; } = new(StringComparer.Ordinal);
}
