namespace Sendora.Grains.Sync;

/// <summary>Keeps the sorted ids of one workspace's syncs.</summary>
public sealed class SyncDirectoryGrain(
    [PersistentState("syncDirectory", SendoraNames.GrainStorage)] IPersistentState<SyncDirectoryState> directory)
    : Grain, ISyncDirectoryGrain
{
    public async Task AddAsync(string syncId)
    {
        ArgumentException.ThrowIfNullOrEmpty(syncId);
        if (directory.State.SyncIds.Add(syncId))
        {
            await directory.WriteStateAsync();
        }
    }

    public async Task RemoveAsync(string syncId)
    {
        if (directory.State.SyncIds.Remove(syncId))
        {
            await directory.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> ListAsync() => Task.FromResult<IReadOnlyList<string>>([.. directory.State.SyncIds]);
}

[GenerateSerializer, Alias("sendora.SyncDirectoryState")]
public sealed class SyncDirectoryState
{
    [Id(0)] public SortedSet<string> SyncIds { get; set; } = new(StringComparer.Ordinal);
}
