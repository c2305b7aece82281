using Cronos;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sendora.Grains.Admin;

namespace Sendora.Grains.Sync;

/// <summary>Stores a sync's settings and run history and starts runs from its schedule, run-now and reset.</summary>
public sealed partial class SyncGrain(
    [PersistentState("sync", SendoraNames.GrainStorage)] IPersistentState<SyncState> sync,
    IOptions<SyncOptions> options,
    TimeProvider clock,
    ILogger<SyncGrain> logger) : Grain, ISyncGrain, IRemindable
{
    /// <summary>The reminder that checks the schedule every minute, Orleans' shortest reminder period by default.</summary>
    private const string ScheduleReminder = "sync-schedule";

    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    private readonly SyncOptions _options = options.Value;
    private string _workspaceId = string.Empty;
    private string _syncId = string.Empty;

    private string SyncKey => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_workspaceId, _syncId) = GrainKeys.Split(SyncKey);
        if (sync.State.CurrentRun is not null)
        {
            // The activation that ran it is gone: continue from the checkpoint committed in the target.
            ResumeRun();
        }

        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) =>
        await CloseTargetAsync();

    public async Task<SyncInfo> CreateAsync(SyncSettings settings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (sync.State.CreatedAt is not null)
        {
            throw new AdminConflictException($"Sync '{_syncId}' already exists in workspace '{_workspaceId}'.");
        }

        sync.State = new SyncState
        {
            CreatedAt = now,
            UpdatedAt = now,
            Name = settings.Name ?? _syncId,
            ConnectionString = settings.ConnectionString ?? throw new ArgumentException("A new sync needs a connection string.", nameof(settings)),
            Schedule = settings.Schedule ?? throw new ArgumentException("A new sync needs a schedule.", nameof(settings)),
            Schema = settings.Schema ?? SyncRules.DefaultSchema,
            ChunkSize = settings.ChunkSize,
            Enabled = settings.Enabled ?? true,
            LastScheduledAt = now,
        };
        await sync.WriteStateAsync();
        await UpdateReminderAsync();
        return ToInfo();
    }

    public async Task<SyncInfo?> UpdateAsync(SyncSettings settings, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var state = sync.State;
        if (state.CreatedAt is null)
        {
            return null;
        }

        state.Name = settings.Name ?? state.Name;
        state.ConnectionString = settings.ConnectionString ?? state.ConnectionString;
        if (settings.Schedule is not null && settings.Schedule != state.Schedule)
        {
            // A new schedule counts from now, so it does not start a run for an occurrence before the change.
            state.Schedule = settings.Schedule;
            state.LastScheduledAt = now;
        }

        state.Schema = settings.Schema ?? state.Schema;
        state.ChunkSize = settings.ChunkSize ?? state.ChunkSize;
        if (settings.Enabled is { } enabled && enabled != state.Enabled)
        {
            state.Enabled = enabled;
            state.LastScheduledAt = now;
        }

        state.UpdatedAt = now;
        await sync.WriteStateAsync();
        await UpdateReminderAsync();
        return ToInfo();
    }

    public async Task<bool> DeleteAsync()
    {
        if (sync.State.CreatedAt is null)
        {
            return false;
        }

        StopLoop();
        await CloseTargetAsync();
        if (await this.GetReminder(ScheduleReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        await sync.ClearStateAsync();
        sync.State = new SyncState();
        return true;
    }

    public Task<SyncInfo?> GetAsync() => Task.FromResult(sync.State.CreatedAt is null ? null : ToInfo());

    public async Task<SyncRunStart?> RunNowAsync()
    {
        if (sync.State.CreatedAt is null)
        {
            return null;
        }

        return await StartRunAsync(SyncTriggers.Manual);
    }

    public async Task<SyncRunStart?> ResetAsync()
    {
        if (sync.State.CreatedAt is null)
        {
            return null;
        }

        if (sync.State.CurrentRun is { } running)
        {
            return new SyncRunStart(running, Started: false);
        }

        sync.State.ResetGeneration++;
        return await StartRunAsync(SyncTriggers.Reset);
    }

    public Task<IReadOnlyList<SyncRun>> GetRunsAsync(int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var runs = new List<SyncRun>(limit);
        if (sync.State.CurrentRun is { } current)
        {
            runs.Add(current);
        }

        for (var i = sync.State.Runs.Count - 1; i >= 0 && runs.Count < limit; i--)
        {
            runs.Add(sync.State.Runs[i]);
        }

        return Task.FromResult<IReadOnlyList<SyncRun>>(runs);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        var state = sync.State;
        if (state.CreatedAt is null)
        {
            if (await this.GetReminder(ScheduleReminder) is { } stale)
            {
                await this.UnregisterReminder(stale);
            }

            return;
        }

        if (state.CurrentRun is not null)
        {
            if (_loop is null)
            {
                ResumeRun();
            }

            return;
        }

        if (!state.Enabled || SyncRules.ParseSchedule(state.Schedule, out _) is not { } schedule)
        {
            return;
        }

        var now = clock.GetUtcNow();
        if (LatestOccurrence(schedule, state.LastScheduledAt ?? state.CreatedAt.Value, now) is { } due)
        {
            state.LastScheduledAt = due;
            await StartRunAsync(SyncTriggers.Schedule);
        }
    }

    /// <summary>Returns the latest occurrence of <paramref name="schedule"/> after <paramref name="after"/> and at or before <paramref name="now"/>.</summary>
    private static DateTimeOffset? LatestOccurrence(CronExpression schedule, DateTimeOffset after, DateTimeOffset now)
    {
        DateTimeOffset? latest = null;
        var next = schedule.GetNextOccurrence(after, TimeZoneInfo.Utc);
        while (next is { } occurrence && occurrence <= now)
        {
            latest = occurrence;

            // Occurrences missed while the cluster was down start one run, not one each.
            next = schedule.GetNextOccurrence(occurrence, TimeZoneInfo.Utc);
        }

        return latest;
    }

    private async Task UpdateReminderAsync()
    {
        if (sync.State.Enabled)
        {
            await this.RegisterOrUpdateReminder(ScheduleReminder, ReminderPeriod, ReminderPeriod);
        }
        else if (sync.State.CurrentRun is null && await this.GetReminder(ScheduleReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private SyncInfo ToInfo()
    {
        var state = sync.State;
        DateTimeOffset? next = null;
        if (state.Enabled && SyncRules.ParseSchedule(state.Schedule, out _) is { } schedule)
        {
            next = schedule.GetNextOccurrence(Max(state.LastScheduledAt ?? clock.GetUtcNow(), clock.GetUtcNow()), TimeZoneInfo.Utc);
        }

        return new SyncInfo
        {
            Id = _syncId,
            Name = state.Name,
            ConnectionString = SyncRules.MaskPassword(state.ConnectionString),
            Schedule = state.Schedule,
            Schema = state.Schema,
            ChunkSize = state.ChunkSize,
            Enabled = state.Enabled,
            CreatedAt = state.CreatedAt!.Value,
            UpdatedAt = state.UpdatedAt,
            NextRunAt = next,
            CurrentRun = state.CurrentRun,
            LastRun = state.Runs.Count > 0 ? state.Runs[^1] : null,
            ConsecutiveFailures = state.ConsecutiveFailures,
            ResetGeneration = state.ResetGeneration,
        };
    }

    private static DateTimeOffset Max(DateTimeOffset left, DateTimeOffset right) => left > right ? left : right;
}
