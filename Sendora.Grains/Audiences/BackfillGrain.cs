using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Sendora.Grains.Profiles;

namespace Sendora.Grains.Audiences;

/// <summary>
/// Re-evaluates every profile of a workspace after its audiences or computed traits changed, keyed by
/// workspace id. Progress is saved after each page of profiles, and a reminder restarts a backfill that a
/// silo failure interrupted, from the last saved page.
/// </summary>
public interface IBackfillGrain : IGrainWithStringKey
{
    /// <summary>Starts a backfill to <paramref name="catalogVersion"/>; a newer version restarts one that is running.</summary>
    Task StartAsync(long catalogVersion);

    [ReadOnly]
    Task<BackfillProgress> GetProgressAsync();
}

[GenerateSerializer, Alias("sendora.BackfillProgress")]
public sealed record BackfillProgress
{
    /// <summary>The catalog version the backfill evaluates profiles against.</summary>
    [Id(0)] public long CatalogVersion { get; init; }

    [Id(1)] public bool Running { get; init; }

    /// <summary>The index shard being walked and the last profile id done in it.</summary>
    [Id(2)] public int Shard { get; init; }

    [Id(3)] public string? AfterProfileId { get; init; }

    [Id(4)] public long ProfilesEvaluated { get; init; }

    [Id(5)] public long MembershipChanges { get; init; }

    [Id(6)] public DateTimeOffset? StartedAt { get; init; }

    [Id(7)] public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>How many times a silo failure or restart resumed the backfill.</summary>
    [Id(8)] public int Resumes { get; init; }
}

public sealed partial class BackfillGrain(
    [PersistentState("backfill", SendoraNames.GrainStorage)] IPersistentState<BackfillProgress> backfill,
    TimeProvider clock,
    ILogger<BackfillGrain> logger) : Grain, IBackfillGrain, IRemindable
{
    private const string ResumeReminder = "backfill";
    private const int PageSize = 100;

    // Profiles of a page evaluated at once. Their membership changes reach each audience together, which
    // writes them as one group, so more in flight means fewer storage writes per change.
    private const int Parallelism = 32;

    // How many index shards are listed at once after an empty page, so that the empty shards of a small workspace cost
    // a few round trips to storage rather than one each.
    private const int ShardLookahead = 8;

    private IGrainTimer? _loop;

    private string WorkspaceId => this.GetPrimaryKeyString();

    public async Task StartAsync(long catalogVersion)
    {
        if (backfill.State.CatalogVersion >= catalogVersion && (backfill.State.Running || backfill.State.FinishedAt is not null))
        {
            return;
        }

        backfill.State = new BackfillProgress { CatalogVersion = catalogVersion, Running = true, StartedAt = clock.GetUtcNow() };
        await backfill.WriteStateAsync();
        await this.RegisterOrUpdateReminder(ResumeReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        LogStarted(WorkspaceId, catalogVersion);
        StartLoop();
    }

    public Task<BackfillProgress> GetProgressAsync() => Task.FromResult(backfill.State);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (!backfill.State.Running)
        {
            if (await this.GetReminder(ResumeReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            return;
        }

        if (_loop is null)
        {
            // The activation that ran the backfill is gone: continue from the last saved page.
            backfill.State = backfill.State with { Resumes = backfill.State.Resumes + 1 };
            LogResumed(WorkspaceId, backfill.State.Shard, backfill.State.ProfilesEvaluated);
            StartLoop();
        }
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (backfill.State.Running)
        {
            backfill.State = backfill.State with { Resumes = backfill.State.Resumes + 1 };
            StartLoop();
        }

        return Task.CompletedTask;
    }

    private void StartLoop()
    {
        _loop?.Dispose();
        _loop = this.RegisterGrainTimer(
            _ => RunPageAsync(),
            new GrainTimerCreationOptions(TimeSpan.Zero, TimeSpan.FromMilliseconds(1)) { KeepAlive = true });
    }

    private async Task RunPageAsync()
    {
        var progress = backfill.State;
        if (!progress.Running)
        {
            StopLoop();
            return;
        }

        if (progress.Shard >= IProfileIndexGrain.ShardCount)
        {
            backfill.State = progress with { Running = false, FinishedAt = clock.GetUtcNow() };
            await backfill.WriteStateAsync();
            StopLoop();
            if (await this.GetReminder(ResumeReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            LogFinished(WorkspaceId, progress.CatalogVersion, progress.ProfilesEvaluated, progress.MembershipChanges);
            return;
        }

        var (shard, ids) = await ListPageAsync(progress.Shard, progress.AfterProfileId);
        var changes = await EvaluateAsync(ids, progress.CatalogVersion);

        // A profile evaluated twice after a crash decides nothing new the second time, because its memberships
        // were saved the first time, so resuming from this cursor repeats no enter or exit.
        backfill.State = ids.Count < PageSize
            ? progress with { Shard = shard + 1, AfterProfileId = null }
            : progress with { Shard = shard, AfterProfileId = ids[^1] };
        backfill.State = backfill.State with
        {
            ProfilesEvaluated = progress.ProfilesEvaluated + ids.Count,
            MembershipChanges = progress.MembershipChanges + changes,
        };
        await backfill.WriteStateAsync();
    }

    /// <summary>
    /// Lists the next page of profile ids from <paramref name="shard"/> after <paramref name="afterProfileId"/>. When
    /// that page is empty, lists the following shards from their start, <see cref="ShardLookahead"/> at a time, and
    /// returns the first page that has ids with its shard, or the last shard and an empty page when none has.
    /// </summary>
    private async Task<(int Shard, IReadOnlyList<string> Ids)> ListPageAsync(int shard, string? afterProfileId)
    {
        var ids = await ListAsync(shard, afterProfileId);
        while (ids.Count == 0 && shard + 1 < IProfileIndexGrain.ShardCount)
        {
            var following = Enumerable.Range(shard + 1, Math.Min(ShardLookahead, IProfileIndexGrain.ShardCount - shard - 1)).ToList();
            var pages = await Task.WhenAll(following.Select(s => ListAsync(s, afterProfileId: null)));
            var found = Array.FindIndex(pages, page => page.Count > 0);
            if (found < 0)
            {
                shard = following[^1];
                continue;
            }

            return (following[found], pages[found]);
        }

        return (shard, ids);
    }

    private Task<IReadOnlyList<string>> ListAsync(int shard, string? afterProfileId) =>
        GrainFactory.GetGrain<IProfileIndexGrain>(IProfileIndexGrain.KeyOf(WorkspaceId, shard)).ListAsync(afterProfileId, PageSize);

    /// <summary>
    /// Evaluates the profiles with up to <see cref="Parallelism"/> calls in flight, starting the next as soon as one
    /// finishes, and returns the number of membership changes.
    /// </summary>
    private async Task<long> EvaluateAsync(IReadOnlyList<string> ids, long catalogVersion)
    {
        long changes = 0;
        var next = 0;

        // Every worker runs on this grain's scheduler, one turn at a time, so the shared counters need no lock.
        async Task WorkAsync()
        {
            while (next < ids.Count)
            {
                var id = ids[next++];
                var profile = GrainFactory.GetGrain<IProfileGrain>(GrainKeys.Scoped(WorkspaceId, id));
                var decided = await profile.EvaluateAsync(catalogVersion);

                // Added after the await: `changes += await …` would read the total before other workers added to it.
                changes += decided;
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(Parallelism, ids.Count)).Select(_ => WorkAsync()));
        return changes;
    }

    private void StopLoop()
    {
        _loop?.Dispose();
        _loop = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started a backfill of workspace {WorkspaceId} to catalog version {Version}")]
    private partial void LogStarted(string workspaceId, long version);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Resumed the backfill of workspace {WorkspaceId} at index shard {Shard} after {Evaluated} profiles")]
    private partial void LogResumed(string workspaceId, int shard, long evaluated);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Finished the backfill of workspace {WorkspaceId} to catalog version {Version}: {Evaluated} profiles, {Changes} membership changes")]
    private partial void LogFinished(string workspaceId, long version, long evaluated, long changes);
}
