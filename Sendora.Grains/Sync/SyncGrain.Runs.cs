using Microsoft.Extensions.Logging;
using Sendora.Grains.Health;
using Sendora.Grains.Profiles;

namespace Sendora.Grains.Sync;

public sealed partial class SyncGrain
{
    private const int ShardCount = IProfileIndexGrain.ShardCount;

    /// <summary>
    /// How long starting a run waits for it to read the target's checkpoint before returning. It stays below the default
    /// 15 seconds that a gateway without its own silo waits for a grain call (Sendora:Gateway:ClusterResponseTimeout).
    /// </summary>
    private static readonly TimeSpan OpenWait = TimeSpan.FromSeconds(10);

    private IGrainTimer? _loop;
    private PostgresTarget? _target;

    /// <summary>The checkpoint of the last committed chunk of the current run, once the run opened its target.</summary>
    private SyncCheckpoint? _checkpoint;

    /// <summary>
    /// The migration of the target and the read of its stored checkpoint, while they run. It touches no grain state, so
    /// it may go on after the call that started the run has returned.
    /// </summary>
    private Task<SyncCheckpoint?>? _checkpointRead;

    private int ChunkSize => sync.State.ChunkSize ?? _options.ChunkSize;

    private async Task<SyncRunStart> StartRunAsync(string trigger)
    {
        if (sync.State.CurrentRun is { } running)
        {
            await sync.WriteStateAsync();
            return new SyncRunStart(running, Started: false);
        }

        var run = new SyncRun
        {
            Id = "run_" + Guid.NewGuid().ToString("N"),
            Trigger = trigger,
            StartedAt = clock.GetUtcNow(),
        };
        sync.State.CurrentRun = run;
        await sync.WriteStateAsync();

        // The reminder also resumes a run whose silo failed, so a run keeps it while the sync is disabled.
        await this.RegisterOrUpdateReminder(ScheduleReminder, ReminderPeriod, ReminderPeriod);
        LogRunStarted(SyncKey, run.Id, trigger);

        // Only the target's checkpoint decides whether the run is a backfill or incremental, so the run reads it before
        // returning to the caller, which then gets its final kind unless the target takes longer than OpenWait.
        var read = ReadCheckpointOnceAsync();
        try
        {
            await read.WaitAsync(OpenWait);
            await OpenRunAsync();
        }
        catch (TimeoutException) when (!read.IsCompleted)
        {
            // A slow target does not fail the run. Its loop waits for the same read, and the kind stays null until then.
            LogRunOpenSlow(SyncKey, run.Id, OpenWait);
        }
        catch (Exception exception)
        {
            await FinishRunAsync(exception);
            return new SyncRunStart(sync.State.Runs[^1], Started: true);
        }

        StartLoop();
        return new SyncRunStart(sync.State.CurrentRun!, Started: true);
    }

    private void ResumeRun()
    {
        var run = sync.State.CurrentRun!;
        sync.State.CurrentRun = run with { Resumes = run.Resumes + 1 };
        LogRunResumed(SyncKey, run.Id, run.Done);
        StartLoop();
    }

    private void StartLoop()
    {
        _loop?.Dispose();
        _loop = this.RegisterGrainTimer(
            _ => RunChunkAsync(),
            new GrainTimerCreationOptions(TimeSpan.Zero, TimeSpan.FromMilliseconds(1)) { KeepAlive = true });
    }

    private void StopLoop()
    {
        _loop?.Dispose();
        _loop = null;
    }

    /// <summary>Exports one chunk, or opens the target first; ends the run when nothing is left or a step fails.</summary>
    private async Task RunChunkAsync()
    {
        if (sync.State.CurrentRun is null)
        {
            StopLoop();
            return;
        }

        try
        {
            if (_checkpoint is null)
            {
                await OpenRunAsync();
            }

            if (!await ExportChunkAsync())
            {
                await FinishRunAsync(error: null);
            }
        }
        catch (Exception exception)
        {
            // Whatever failed, the target contains the last committed chunk, which the next run continues from.
            await FinishRunAsync(exception);
        }
    }

    /// <summary>
    /// Migrates the target and reads its checkpoint. Without one, or after a reset, the run starts a backfill. The same
    /// run continues with its counts, and a new run continues where the last committed chunk left off.
    /// </summary>
    private async Task OpenRunAsync()
    {
        var stored = await ReadCheckpointOnceAsync();
        _checkpointRead = null;
        var state = sync.State;
        var run = state.CurrentRun!;

        SyncCheckpoint checkpoint;
        if (stored is null || stored.ResetGeneration < state.ResetGeneration)
        {
            // Changes recorded after these positions are exported by the incremental phase, so none made during
            // the backfill is lost.
            checkpoint = new SyncCheckpoint
            {
                RunId = run.Id,
                ResetGeneration = state.ResetGeneration,
                Phase = SyncPhases.Backfill,
                Positions = await ReadLastSequencesAsync(),
                Total = await CountProfilesAsync(),
            };
        }
        else if (stored.RunId == run.Id)
        {
            checkpoint = stored;
        }
        else
        {
            checkpoint = stored with { RunId = run.Id, Counts = SyncCounts.Zero };
            if (checkpoint.Phase == SyncPhases.Incremental)
            {
                checkpoint = await StartIncrementalAsync(checkpoint);
            }
        }

        if (checkpoint.Phase == SyncPhases.Incremental && checkpoint.UpTo is null)
        {
            checkpoint = await StartIncrementalAsync(checkpoint);
        }

        _checkpoint = checkpoint;
        var continuesCommittedRun = stored?.RunId == run.Id;
        state.CurrentRun = run with
        {
            Kind = continuesCommittedRun ? run.Kind : checkpoint.Phase,
            Phase = checkpoint.Phase,
            Done = checkpoint.Done,
            Total = checkpoint.Total,
            Counts = checkpoint.Counts,
        };
        await sync.WriteStateAsync();
    }

    /// <summary>Starts migrating the target and reading its stored checkpoint, unless that is under way.</summary>
    private Task<SyncCheckpoint?> ReadCheckpointOnceAsync() => _checkpointRead ??= MigrateAndReadCheckpointAsync();

    private async Task<SyncCheckpoint?> MigrateAndReadCheckpointAsync()
    {
        var state = sync.State;
        var target = _target ??= new PostgresTarget(
            state.ConnectionString, state.Schema, _options.CommandTimeout, _options.MaxEventTables);
        await target.MigrateAsync(CancellationToken.None);
        return await target.ReadCheckpointAsync(SyncKey, CancellationToken.None);
    }

    /// <summary>Bounds the incremental phase by the changes recorded so far, and counts them.</summary>
    private async Task<SyncCheckpoint> StartIncrementalAsync(SyncCheckpoint checkpoint)
    {
        var upTo = await ReadLastSequencesAsync();
        var counts = await Task.WhenAll(Enumerable.Range(0, ShardCount).Select(shard => ChangeLog(shard)
            .CountAsync(checkpoint.Positions[shard], upTo[shard])));
        return checkpoint with
        {
            Phase = SyncPhases.Incremental,
            IndexShard = 0,
            AfterProfileId = null,
            UpTo = upTo,
            Done = 0,
            Total = counts.Sum(c => (long)c),
        };
    }

    /// <summary>Exports the next chunk and commits it with its checkpoint. Returns false when the run has nothing left.</summary>
    private async Task<bool> ExportChunkAsync()
    {
        var checkpoint = _checkpoint!;
        var (profileIds, next) = checkpoint.Phase == SyncPhases.Backfill
            ? await NextBackfillChunkAsync(checkpoint)
            : await NextIncrementalChunkAsync(checkpoint);
        if (profileIds.Count == 0)
        {
            if (checkpoint.Phase != SyncPhases.Backfill)
            {
                // Commits the phase and the positions that moved past superseded changes, so the next run starts
                // incremental from here.
                await _target!.WriteChunkAsync(SyncKey, [], _ => next, CancellationToken.None);
                return false;
            }

            _checkpoint = await StartIncrementalAsync(next);
            sync.State.CurrentRun = sync.State.CurrentRun! with { Phase = SyncPhases.Incremental, Done = 0, Total = _checkpoint.Total };
            return true;
        }

        var records = await ReadRecordsAsync(profileIds);
        var counts = await _target!.WriteChunkAsync(
            SyncKey, records, chunk => next with { Counts = checkpoint.Counts.Plus(chunk) }, CancellationToken.None);
        _checkpoint = next with { Counts = checkpoint.Counts.Plus(counts) };
        sync.State.CurrentRun = sync.State.CurrentRun! with
        {
            Phase = _checkpoint.Phase,
            Done = _checkpoint.Done,
            Total = Math.Max(_checkpoint.Total, _checkpoint.Done),
            Counts = _checkpoint.Counts,
        };
        await sync.WriteStateAsync();
        LogChunkCommitted(SyncKey, profileIds.Count, _checkpoint.Done, _checkpoint.Total);
        return true;
    }

    /// <summary>Takes the next profile ids from the workspace's profile index, shard by shard, in ordinal order.</summary>
    private async Task<(IReadOnlyList<string> Ids, SyncCheckpoint Next)> NextBackfillChunkAsync(SyncCheckpoint checkpoint)
    {
        var ids = new List<string>(ChunkSize);
        var shard = checkpoint.IndexShard;
        var after = checkpoint.AfterProfileId;
        while (ids.Count < ChunkSize && shard < ShardCount)
        {
            var wanted = ChunkSize - ids.Count;
            var page = await GrainFactory.GetGrain<IProfileIndexGrain>(IProfileIndexGrain.KeyOf(_workspaceId, shard))
                .ListAsync(after, wanted);
            ids.AddRange(page);
            if (page.Count < wanted)
            {
                shard++;
                after = null;
            }
            else
            {
                after = page[^1];
            }
        }

        return (ids, checkpoint with { IndexShard = shard, AfterProfileId = after, Done = checkpoint.Done + ids.Count });
    }

    /// <summary>Takes the next changes of each change log shard up to the phase's bound.</summary>
    private async Task<(IReadOnlyList<string> Ids, SyncCheckpoint Next)> NextIncrementalChunkAsync(SyncCheckpoint checkpoint)
    {
        var ids = new List<string>(ChunkSize);
        var positions = (long[])checkpoint.Positions.Clone();
        var upTo = checkpoint.UpTo!;
        for (var shard = 0; shard < ShardCount && ids.Count < ChunkSize; shard++)
        {
            if (positions[shard] >= upTo[shard])
            {
                continue;
            }

            var wanted = ChunkSize - ids.Count;
            var page = await ChangeLog(shard).ReadAsync(positions[shard], upTo[shard], wanted);
            ids.AddRange(page.Select(change => change.ProfileId));
            positions[shard] = page.Count < wanted ? upTo[shard] : page[^1].Sequence;
        }

        return (ids, checkpoint with { Positions = positions, Done = checkpoint.Done + ids.Count });
    }

    /// <summary>Reads the profiles' records with up to <see cref="SyncOptions.ReadParallelism"/> calls in flight.</summary>
    private async Task<IReadOnlyList<ProfileSyncRecord>> ReadRecordsAsync(IReadOnlyList<string> profileIds)
    {
        var records = new ProfileSyncRecord[profileIds.Count];
        var next = 0;

        // Every worker runs on this grain's scheduler, one turn at a time, so the shared index needs no lock.
        async Task WorkAsync()
        {
            while (next < profileIds.Count)
            {
                var index = next++;
                records[index] = await GrainFactory.GetGrain<IProfileGrain>(GrainKeys.Scoped(_workspaceId, profileIds[index]))
                    .GetSyncRecordAsync();
            }
        }

        await Task.WhenAll(Enumerable.Range(0, Math.Min(_options.ReadParallelism, profileIds.Count)).Select(_ => WorkAsync()));
        return records;
    }

    private async Task<long[]> ReadLastSequencesAsync() =>
        await Task.WhenAll(Enumerable.Range(0, ShardCount).Select(shard => ChangeLog(shard).GetLastSequenceAsync()));

    private async Task<long> CountProfilesAsync()
    {
        var counts = await Task.WhenAll(Enumerable.Range(0, ShardCount).Select(shard => GrainFactory
            .GetGrain<IProfileIndexGrain>(IProfileIndexGrain.KeyOf(_workspaceId, shard)).CountAsync()));
        return counts.Sum(c => (long)c);
    }

    private IProfileChangeLogGrain ChangeLog(int shard) =>
        GrainFactory.GetGrain<IProfileChangeLogGrain>(IProfileChangeLogGrain.KeyOf(_workspaceId, shard));

    /// <summary>Records the run's outcome, and opens the failure alert after enough failures in a row or resolves it.</summary>
    private async Task FinishRunAsync(Exception? error)
    {
        StopLoop();
        await CloseTargetAsync();
        var state = sync.State;
        var now = clock.GetUtcNow();
        var run = state.CurrentRun! with
        {
            Status = error is null ? SyncRunStatuses.Succeeded : SyncRunStatuses.Failed,
            FinishedAt = now,
            Error = error?.Message,
        };
        state.CurrentRun = null;
        state.Runs.Add(run);
        if (state.Runs.Count > _options.MaxRunHistory)
        {
            state.Runs.RemoveRange(0, state.Runs.Count - _options.MaxRunHistory);
        }

        state.ConsecutiveFailures = error is null ? 0 : state.ConsecutiveFailures + 1;
        await sync.WriteStateAsync();

        var total = run.Counts.Total();
        if (error is null)
        {
            LogRunSucceeded(SyncKey, run.Id, total.Added, total.Updated, total.Deleted);
            await GrainFactory.GetGrain<IAlertGrain>(_workspaceId).ResolveAsync(new AlertMeasurement(
                AlertKinds.SyncFailure, _syncId, 0, _options.FailureAlertThreshold,
                $"Sync '{_syncId}' succeeded again after failed runs.", now));
            return;
        }

        LogRunFailed(error, SyncKey, run.Id, state.ConsecutiveFailures);
        if (state.ConsecutiveFailures >= _options.FailureAlertThreshold)
        {
            await GrainFactory.GetGrain<IAlertGrain>(_workspaceId).OpenAsync(new AlertMeasurement(
                AlertKinds.SyncFailure, _syncId, state.ConsecutiveFailures, _options.FailureAlertThreshold,
                $"Sync '{_syncId}' failed {state.ConsecutiveFailures} runs in a row, at least {_options.FailureAlertThreshold} "
                + $"open the alert; the last error: {error.Message}",
                now));
        }
    }

    private async Task CloseTargetAsync()
    {
        _checkpoint = null;
        _checkpointRead = null;
        if (_target is not null)
        {
            await _target.DisposeAsync();
            _target = null;
        }
    }
}
