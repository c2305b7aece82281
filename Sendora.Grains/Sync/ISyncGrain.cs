using Orleans.Concurrency;

namespace Sendora.Grains.Sync;

/// <summary>
/// One data sync of a workspace to a PostgreSQL database, keyed <c>{workspaceId}/{syncId}</c>. A reminder checks its
/// cron schedule every minute, so runs start after silo restarts too. A run exports the profiles that changed since
/// the checkpoint stored in the target, one chunk per PostgreSQL transaction, and a run interrupted by a failed silo
/// continues from its last committed chunk.
/// </summary>
public interface ISyncGrain : IGrainWithStringKey
{
    /// <summary>Creates the sync from complete, valid settings. Throws <see cref="Admin.AdminConflictException"/> when it exists.</summary>
    Task<SyncInfo> CreateAsync(SyncSettings settings, DateTimeOffset now);

    /// <summary>Changes the members of <paramref name="settings"/> that are set. Returns null when the sync does not exist.</summary>
    Task<SyncInfo?> UpdateAsync(SyncSettings settings, DateTimeOffset now);

    /// <summary>Stops any run, removes the schedule's reminder and clears the state. Returns false when the sync did not exist.</summary>
    Task<bool> DeleteAsync();

    [ReadOnly]
    Task<SyncInfo?> GetAsync();

    /// <summary>
    /// Starts a run now, unless one is running. The call waits up to 10 seconds for the run to migrate the target and
    /// read its checkpoint, so the returned run has its final kind, has failed, or has a null kind while the target is
    /// slow. Returns null when the sync does not exist.
    /// </summary>
    Task<SyncRunStart?> RunNowAsync();

    /// <summary>
    /// Starts a run that exports every profile again, as a first run does, unless one is running. The call waits as
    /// <see cref="RunNowAsync"/> does. Returns null when the sync does not exist.
    /// </summary>
    Task<SyncRunStart?> ResetAsync();

    /// <summary>Returns up to <paramref name="limit"/> runs, newest first, the running one included.</summary>
    [ReadOnly]
    Task<IReadOnlyList<SyncRun>> GetRunsAsync(int limit);
}

/// <summary>The ids of a workspace's syncs, keyed by workspace id.</summary>
public interface ISyncDirectoryGrain : IGrainWithStringKey
{
    Task AddAsync(string syncId);

    Task RemoveAsync(string syncId);

    [ReadOnly]
    Task<IReadOnlyList<string>> ListAsync();
}
