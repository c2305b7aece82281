using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sendora.Grains.Inspection;

namespace Sendora.Grains.Journeys;

/// <summary>
/// Runs one profile through one journey. Every change is saved before the next signal is taken. A step with an
/// effect outside the grain uses an id made of the journey, version, profile, run and step, so a run resumed after
/// a crash repeats the step without repeating the effect.
/// </summary>
public sealed partial class JourneyRunGrain(
    [PersistentState("journeyrun", SendoraNames.GrainStorage)] IPersistentState<JourneyRunsState> runs,
    TimeProvider clock,
    ILogger<JourneyRunGrain> logger) : Grain, IJourneyRunGrain, IRemindable
{
    private const string WakeReminder = "journey-wake";

    // A wait this short also gets a timer, because a reminder may fire up to a minute late.
    private static readonly TimeSpan TimerHorizon = TimeSpan.FromMinutes(2);

    // The reminder's period matters only when a pass fails before it registers the next wake-up, or when the due time
    // passed while no silo was running: the run then resumes within one period. One minute is Orleans' shortest.
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    // How long a profile keeps sending events for an active run; every reply renews it.
    private static readonly TimeSpan ActiveFollowHorizon = TimeSpan.FromDays(400);

    private const int SeenSignalLimit = 256;
    private const int FinishedRunLimit = 10;
    private const int MaxStepsPerPass = 256;

    // Published versions never change, so every run grain of a silo shares them.
    private static readonly ConcurrentDictionary<string, LoadedVersion> Versions = new(StringComparer.Ordinal);

    private readonly Dictionary<int, VersionCounters> _counters = [];
    private HashSet<string>? _seen;

    // Whether the state changed since it was last saved, beyond the list of seen signals.
    private bool _dirty;

    // Set when the wake-up reminder ticked, which means its due time has passed. The next pass then registers the next
    // wake-up even when it is the same moment, and unregisters the reminder when no run needs one.
    private bool _reminderTicked;

    // Set when a pass failed part-way. Memory then differs from storage, so nothing more is saved from it.
    private bool _failed;

    // Pending reports in storage: more than in memory means some were added by the journey since the last save.
    private int _savedReportCount;
    private IGrainTimer? _timer;
    private string _workspaceId = string.Empty;
    private string _journeyId = string.Empty;
    private string _profileId = string.Empty;

    private string Key => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_workspaceId, var rest) = GrainKeys.Split(Key);
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        _journeyId = rest[..slash];
        _profileId = rest[(slash + 1)..];
        _seen = new HashSet<string>(runs.State.SeenSignals, StringComparer.Ordinal);
        if (runs.State.PendingReports.Count > 0)
        {
            ScheduleTimer(TimeSpan.Zero);
        }

        return Task.CompletedTask;
    }

    public async Task<DateTimeOffset?> SignalAsync(IReadOnlyList<JourneySignal> signals)
    {
        ArgumentNullException.ThrowIfNull(signals);
        ThrowIfFailed();
        try
        {
            return await HandleSignalsAsync(signals);
        }
        catch (Exception exception)
        {
            DropActivation(exception);
            throw;
        }
    }

    private async Task<DateTimeOffset?> HandleSignalsAsync(IReadOnlyList<JourneySignal> signals)
    {
        var state = runs.State;
        if (state.ErasedAt is not null)
        {
            // A signal the profile sent before its erasure starts no run and changes none.
            return null;
        }

        var fresh = signals.Where(s => s.JourneyId == _journeyId && _seen!.Add(s.SignalId)).ToList();
        if (fresh.Count == 0)
        {
            return FollowUntil();
        }

        foreach (var signal in fresh)
        {
            state.SeenSignals.Add(signal.SignalId);
        }

        if (state.SeenSignals.Count > SeenSignalLimit)
        {
            var drop = state.SeenSignals.Count - SeenSignalLimit;
            _seen!.ExceptWith(state.SeenSignals.Take(drop));
            state.SeenSignals.RemoveRange(0, drop);
        }

        var journey = await GrainFactory.GetGrain<IJourneyGrain>(JourneyKey).GetStateAsync();
        var pass = new Pass(this, journey);
        foreach (var signal in fresh)
        {
            await HandleAsync(pass, signal);

            // A run started or resumed by this signal reaches its next wait before the next signal, which may end it.
            await MoveRunsAsync(pass);
        }

        await MoveOnAsync(pass);
        return FollowUntil();
    }

    public Task<IReadOnlyList<JourneyRunInfo>> GetRunsAsync() =>
        Task.FromResult<IReadOnlyList<JourneyRunInfo>>([.. runs.State.Runs.AsEnumerable().Reverse().Select(r => r.ToInfo())]);

    public Task<GrainInspection> InspectAsync(int maxItems) => Task.FromResult(GrainInspector.Inspect(this, runs, maxItems));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != WakeReminder)
        {
            return;
        }

        _reminderTicked = true;
        await WakeAsync();
    }

    private async Task WakeAsync()
    {
        _timer?.Dispose();
        _timer = null;
        if (_failed)
        {
            return;
        }

        try
        {
            await FlushReportsAsync();
            var journey = await GrainFactory.GetGrain<IJourneyGrain>(JourneyKey).GetStateAsync();
            await MoveOnAsync(new Pass(this, journey));
        }
        catch (Exception exception)
        {
            DropActivation(exception);
            throw;
        }
    }

    /// <summary>
    /// Drops this activation after a pass failed part-way, such as on a step whose call timed out. Memory then has
    /// runs and seen signals that storage lacks, so a new activation reloads the saved state. The profile sends the
    /// signals again, and the wake-up reminder resumes the runs that were saved waiting.
    /// </summary>
    private void DropActivation(Exception exception)
    {
        LogPassFailed(exception, Key);
        _failed = true;
        DeactivateOnIdle();
    }

    private void ThrowIfFailed()
    {
        if (_failed)
        {
            throw new InvalidOperationException($"Journey runs {Key} are being reloaded after a failed pass. Retry the call.");
        }
    }

    /// <summary>Applies one signal: a conversion, exit rules and waits for events, then a new run for a trigger.</summary>
    private async Task HandleAsync(Pass pass, JourneySignal signal)
    {
        var state = runs.State;
        if (signal.Kind == JourneySignalKinds.Event && signal.Event is { } e && LatestRun() is { } latest
            && await pass.DefinitionAsync(latest.Version) is { } latestDefinition)
        {
            CheckGoal(latest, latestDefinition, e, signal.At);
        }

        foreach (var run in state.Runs.ToList())
        {
            var definition = await pass.DefinitionAsync(run.Version);
            if (definition is null)
            {
                continue;
            }

            if (!JourneyRunStatuses.IsActive(run.Status))
            {
                continue;
            }

            if (ExitRuleHit(definition, signal) is { } reason)
            {
                End(run, JourneyRunStatuses.Exited, reason, signal.At);
                continue;
            }

            if (run.Status == JourneyRunStatuses.Waiting && definition.Steps.GetValueOrDefault(run.StepId) is WaitUntilStep wait)
            {
                if (wait.Event is { } filter && signal.Kind == JourneySignalKinds.Event && signal.Event is { } arrived
                    && filter.Matches(arrived.Type, arrived.Name, Properties(arrived), signal.At))
                {
                    StopWaiting(run);
                    Advance(run, wait, wait.Next, signal.At);
                }
                else if (wait.ConditionJson is not null)
                {
                    pass.Recheck.Add(run.Number);
                }
            }
        }

        if (signal.TriggerCandidate)
        {
            await TryEnterAsync(pass, signal);
        }
    }

    private async Task TryEnterAsync(Pass pass, JourneySignal signal)
    {
        var state = runs.State;
        if (pass.Journey.Status != JourneyStatuses.Active || await pass.DefinitionAsync(pass.Journey.LatestVersion) is not { } definition)
        {
            return;
        }

        if (!Triggers(definition.Trigger, signal))
        {
            return;
        }

        var entry = definition.Entry;
        var key = entry.KeyOf(signal.Event is { } e ? Properties(e) : null);
        var active = state.Runs.Where(r => JourneyRunStatuses.IsActive(r.Status)).ToList();
        var rejected = entry.Mode switch
        {
            EntryMode.Once => state.RunCount > 0,
            EntryMode.Cooldown => active.Count > 0 || state.LastEntryAt + entry.Cooldown > signal.At,
            _ => active.Any(r => r.EntryKey == key),
        };
        if (rejected)
        {
            LogEntryRejected(Key, entry.Mode);
            return;
        }

        state.RunCount++;
        state.LastEntryAt = signal.At;
        var run = new JourneyRun
        {
            Number = state.RunCount,
            Version = pass.Journey.LatestVersion,
            EntryKey = key,
            TriggerSignalId = signal.SignalId,
            TriggerEvent = signal.Event,
            TriggerAudienceId = signal.AudienceId,
            EnteredAt = signal.At,
        };
        state.Runs.Add(run);
        var counters = Counters(run.Version);
        counters.Total.Entered++;
        counters.Total.Waiting++;
        Arrive(run, definition.StartStepId, signal.At);
        LogEntered(Key, run.Number, run.Version);
    }

    private static bool Triggers(JourneyTrigger trigger, JourneySignal signal) => trigger.Kind switch
    {
        JourneyTriggerKind.AudienceEntered => signal.Kind == JourneySignalKinds.AudienceEntered && signal.AudienceId == trigger.AudienceId,
        JourneyTriggerKind.AudienceExited => signal.Kind == JourneySignalKinds.AudienceExited && signal.AudienceId == trigger.AudienceId,
        _ => signal.Kind == JourneySignalKinds.Event && signal.Event is { } e && trigger.Event is { } filter
            && filter.Matches(e.Type, e.Name, Properties(e), signal.At),
    };

    private static string? ExitRuleHit(JourneyDefinition definition, JourneySignal signal)
    {
        foreach (var rule in definition.ExitRules)
        {
            if (rule.Kind == ExitRuleKind.AudienceExited)
            {
                if (signal.Kind == JourneySignalKinds.AudienceExited && signal.AudienceId == rule.AudienceId)
                {
                    return $"left audience {rule.AudienceId}";
                }
            }
            else if (signal.Kind == JourneySignalKinds.Event && signal.Event is { } e && rule.Event is { } filter
                && filter.Matches(e.Type, e.Name, Properties(e), signal.At))
            {
                return $"exit event {e.Name}";
            }
        }

        return null;
    }

    /// <summary>
    /// Converts <paramref name="run"/>, the profile's latest run, when <paramref name="e"/> meets its goal within the
    /// goal's window of its entry, whether the run is active or ended. A goal event belongs to the latest run alone, so
    /// it converts at most one run, and a run converts at most once.
    /// </summary>
    private void CheckGoal(JourneyRun run, JourneyDefinition definition, JourneyEvent e, DateTimeOffset at)
    {
        if (run.ConvertedAt is not null || definition.Goal is not { } goal || at - run.EnteredAt > goal.Within
            || e.MessageId == run.TriggerEvent?.MessageId || !goal.Event.Matches(e.Type, e.Name, Properties(e), at))
        {
            return;
        }

        run.ConvertedAt = at;
        var counters = Counters(run.Version);
        counters.Total.Converted++;
        foreach (var stepId in run.Path.Distinct(StringComparer.Ordinal))
        {
            counters.Step(stepId).Converted++;
        }

        LogConverted(Key, run.Number);
    }

    /// <summary>Moves the run to <paramref name="stepId"/> and counts its arrival.</summary>
    private void Arrive(JourneyRun run, string stepId, DateTimeOffset at)
    {
        run.StepId = stepId;
        run.StepEnteredAt = at;
        run.Status = JourneyRunStatuses.Running;
        run.WaitUntil = null;
        run.Path.Add(stepId);
        Counters(run.Version).Step(stepId).Entered++;
    }

    /// <summary>Leaves <paramref name="step"/> for <paramref name="next"/>, or completes the run when there is none.</summary>
    private void Advance(JourneyRun run, JourneyStep step, string? next, DateTimeOffset at)
    {
        Counters(run.Version).Step(step.Id).Completed++;
        if (next is null)
        {
            Finish(run, JourneyRunStatuses.Completed, "reached the end", at);
            return;
        }

        Arrive(run, next, at);
    }

    private void Wait(JourneyRun run, DateTimeOffset until)
    {
        if (run.Status != JourneyRunStatuses.Waiting)
        {
            Counters(run.Version).Step(run.StepId).Waiting++;
        }

        run.Status = JourneyRunStatuses.Waiting;
        _dirty |= run.WaitUntil != until;
        run.WaitUntil = until;
    }

    private void StopWaiting(JourneyRun run)
    {
        if (run.Status == JourneyRunStatuses.Waiting)
        {
            Counters(run.Version).Step(run.StepId).Waiting--;
        }

        run.Status = JourneyRunStatuses.Running;
        run.WaitUntil = null;
    }

    /// <summary>Ends an active run at its step by an exit rule, an exit step or a merge.</summary>
    private void End(JourneyRun run, string status, string reason, DateTimeOffset at)
    {
        StopWaiting(run);
        Counters(run.Version).Step(run.StepId).Exited++;
        Finish(run, status, reason, at);
    }

    private void Finish(JourneyRun run, string status, string reason, DateTimeOffset at)
    {
        run.Status = status;
        run.EndReason = reason;
        run.EndedAt = at;
        run.WaitUntil = null;
        var total = Counters(run.Version).Total;
        total.Waiting--;
        if (status == JourneyRunStatuses.Completed)
        {
            total.Completed++;
        }
        else
        {
            total.Exited++;
        }

        LogFinished(Key, run.Number, status, reason);
    }

    private VersionCounters Counters(int version)
    {
        _dirty = true;
        if (!_counters.TryGetValue(version, out var counters))
        {
            counters = new VersionCounters();
            _counters[version] = counters;
        }

        return counters;
    }

    /// <summary>
    /// Moves every active run as far as it goes, saves the state, sets the next wake-up and sends the counter
    /// changes to the journey.
    /// </summary>
    private async Task MoveOnAsync(Pass pass)
    {
        await MoveRunsAsync(pass);
        Trim();
        var report = QueueReport();
        _dirty |= await ScheduleWakeAsync(pass.Journey.Status == JourneyStatuses.Paused);

        // A pass that changed nothing but the list of seen signals is not saved: handling those signals again
        // after a crash changes nothing either.
        if (_dirty)
        {
            await WriteStateAsync();
            _dirty = false;
        }

        if (report is not null)
        {
            RecordMetrics(report);
        }

        await FlushReportsAsync();
    }

    /// <summary>Moves the counter changes of this pass into a pending report, saved with the state; null when there are none.</summary>
    private CounterReport? QueueReport()
    {
        if (_counters.Count == 0)
        {
            return null;
        }

        var state = runs.State;
        var report = new CounterReport($"{Key}:{++state.ReportCount}", new Dictionary<int, VersionCounters>(_counters));
        state.PendingReports.Add(report);
        _counters.Clear();
        _dirty = true;
        return report;
    }

    private void RecordMetrics(CounterReport report)
    {
        var total = new StepCounters();
        foreach (var counters in report.Versions.Values)
        {
            total.Add(counters.Total);
        }

        SendoraMetrics.RecordJourneyRuns(_workspaceId, _journeyId, total.Entered, total.Completed, total.Exited, total.Converted);
    }

    private async Task MoveRunsAsync(Pass pass)
    {
        if (pass.Journey.Status == JourneyStatuses.Paused)
        {
            return;
        }

        var now = clock.GetUtcNow();
        foreach (var run in runs.State.Runs.Where(r => JourneyRunStatuses.IsActive(r.Status)).ToList())
        {
            if (run.Status == JourneyRunStatuses.Running || run.WaitUntil <= now || pass.Recheck.Contains(run.Number))
            {
                await RunStepsAsync(pass, run);
            }
        }
    }

    /// <summary>
    /// Keeps active runs and the latest finished ones. The latest run, the only one that can still convert, is always
    /// among them.
    /// </summary>
    private void Trim()
    {
        var list = runs.State.Runs;
        var finished = list.Where(r => !JourneyRunStatuses.IsActive(r.Status)).ToList();
        var drop = finished.Take(Math.Max(0, finished.Count - FinishedRunLimit)).ToHashSet();
        _dirty |= list.RemoveAll(drop.Contains) > 0;
    }

    /// <summary>Returns the run that entered last, which a goal event converts, or null before the first entry.</summary>
    private JourneyRun? LatestRun() => runs.State.Runs.MaxBy(r => r.Number);

    /// <summary>
    /// Returns whether a goal event could still convert <paramref name="run"/>: the latest run, not converted yet,
    /// inside its goal window.
    /// </summary>
    private bool GoalOpen(JourneyRun run, DateTimeOffset now) =>
        run.ConvertedAt is null && ReferenceEquals(run, LatestRun()) && CachedDefinition(run.Version)?.Goal is { } goal
        && run.EnteredAt + goal.Within >= now;

    /// <summary>Returns until when the profile should send signals: for active runs and open conversion windows.</summary>
    private DateTimeOffset? FollowUntil()
    {
        DateTimeOffset? until = null;
        var now = clock.GetUtcNow();
        foreach (var run in runs.State.Runs)
        {
            DateTimeOffset? candidate = JourneyRunStatuses.IsActive(run.Status)
                ? now + ActiveFollowHorizon
                : GoalOpen(run, now) ? run.EnteredAt + CachedDefinition(run.Version)!.Goal!.Within : null;
            if (candidate > until || until is null)
            {
                until = candidate ?? until;
            }
        }

        return until;
    }

    /// <summary>Registers the reminder and timer of the earliest wake-up; returns whether the state changed.</summary>
    private async Task<bool> ScheduleWakeAsync(bool paused)
    {
        var state = runs.State;
        var active = state.Runs.Where(r => JourneyRunStatuses.IsActive(r.Status)).ToList();
        var now = clock.GetUtcNow();
        DateTimeOffset? due = active.Count == 0 ? null
            : paused || active.Any(r => r.Status == JourneyRunStatuses.Running) ? now + TimeSpan.FromMinutes(1)
            : active.Min(r => r.WaitUntil);
        _timer?.Dispose();
        _timer = null;
        var ticked = _reminderTicked;
        _reminderTicked = false;
        if (due is not { } wake)
        {
            if (state.ReminderDue is null && !ticked)
            {
                return false;
            }

            var registered = state.ReminderDue is not null;
            state.ReminderDue = null;
            if (await this.GetReminder(WakeReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            return registered;
        }

        var delay = wake - now;
        if (delay < TimeSpan.Zero)
        {
            delay = TimeSpan.Zero;
        }

        var changed = false;
        if (state.ReminderDue != wake || ticked)
        {
            await this.RegisterOrUpdateReminder(WakeReminder, delay, ReminderPeriod);
            state.ReminderDue = wake;
            changed = true;
        }

        if (delay <= TimerHorizon && !paused)
        {
            ScheduleTimer(delay);
        }

        return changed;
    }

    private void ScheduleTimer(TimeSpan delay)
    {
        _timer?.Dispose();
        _timer = this.RegisterGrainTimer(
            _ => WakeAsync(), new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    /// <summary>
    /// Sends saved counter changes to the journey. Those it added are removed from memory now and from storage with
    /// the next save. The journey drops a report it receives again after a crash.
    /// </summary>
    private async Task FlushReportsAsync()
    {
        var pending = runs.State.PendingReports;
        if (pending.Count == 0)
        {
            return;
        }

        var batch = pending.ToList();
        try
        {
            var journey = GrainFactory.GetGrain<IJourneyGrain>(JourneyKey);
            foreach (var report in batch)
            {
                await journey.RecordCountersAsync(report);
                pending.Remove(report);
            }
        }
        catch (Exception exception)
        {
            LogReportFailed(exception, Key);
            ScheduleTimer(TimeSpan.FromSeconds(30));
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (!_failed && runs.State.PendingReports.Count < _savedReportCount)
        {
            try
            {
                await runs.WriteStateAsync(cancellationToken);
            }
            catch (Exception exception)
            {
                LogSaveFailed(exception, Key);
            }
        }
    }

    private async Task WriteStateAsync()
    {
        try
        {
            await runs.WriteStateAsync();
            _savedReportCount = runs.State.PendingReports.Count;
        }
        catch (Exception exception)
        {
            LogSaveFailed(exception, Key);
            DeactivateOnIdle();
            throw;
        }
    }

    private string JourneyKey => GrainKeys.Scoped(_workspaceId, _journeyId);

    private static JsonElement Properties(JourneyEvent e)
    {
        using var document = JsonDocument.Parse(e.PropertiesJson);
        return document.RootElement.Clone();
    }

    private JourneyDefinition? CachedDefinition(int version) =>
        Versions.TryGetValue(VersionCacheKey(version), out var loaded) ? loaded.Definition : null;

    private string VersionCacheKey(int version) => $"{JourneyKey}/{version}";

    /// <summary>A published version with its parsed definition.</summary>
    private sealed record LoadedVersion(JourneyVersion Version, JourneyDefinition Definition);

    /// <summary>What one pass over the runs reads once: the journey's state and the versions it needs.</summary>
    private sealed class Pass(JourneyRunGrain grain, JourneyState journey)
    {
        public JourneyState Journey { get; } = journey;

        /// <summary>Runs waiting for a condition that a signal may have made true.</summary>
        public HashSet<int> Recheck { get; } = [];

        /// <summary>The profile's traits and ids, read once per pass and again after a step changed them.</summary>
        public Profiles.ProfileSnapshot? Profile { get; set; }

        public bool ProfileLoaded { get; set; }

        public async Task<JourneyDefinition?> DefinitionAsync(int version) => (await grain.LoadAsync(version))?.Definition;

        public async Task<JourneyVersion?> VersionAsync(int version) => (await grain.LoadAsync(version))?.Version;
    }

    private async Task<LoadedVersion?> LoadAsync(int version)
    {
        var cacheKey = VersionCacheKey(version);
        if (Versions.TryGetValue(cacheKey, out var loaded))
        {
            return loaded;
        }

        var stored = await GrainFactory.GetGrain<IJourneyGrain>(JourneyKey).GetVersionAsync(version);
        if (stored is null)
        {
            return null;
        }

        if (JourneyDefinition.Parse(stored.DefinitionJson).Definition is not { } definition)
        {
            LogInvalidVersion(Key, version);
            return null;
        }

        if (Versions.Count > 1_000)
        {
            Versions.Clear();
        }

        loaded = new LoadedVersion(stored, definition);
        Versions[cacheKey] = loaded;
        return loaded;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Journey run grain {Key} rejected an entry by its entry rule {Mode}")]
    private partial void LogEntryRejected(string key, EntryMode mode);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {Run} of {Key} entered version {Version}")]
    private partial void LogEntered(string key, int run, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {Run} of {Key} converted")]
    private partial void LogConverted(string key, int run);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {Run} of {Key} {Status}: {Reason}")]
    private partial void LogFinished(string key, int run, string status, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed to send the counters of {Key} to its journey; retrying in 30 seconds")]
    private partial void LogReportFailed(Exception exception, string key);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "A pass over journey runs {Key} failed; the activation is dropped and the saved runs are reloaded")]
    private partial void LogPassFailed(Exception exception, string key);

    [LoggerMessage(Level = LogLevel.Error, Message = "Failed to save journey runs {Key}")]
    private partial void LogSaveFailed(Exception exception, string key);

    [LoggerMessage(Level = LogLevel.Error, Message = "Version {Version} of the journey of {Key} does not parse; its runs are held")]
    private partial void LogInvalidVersion(string key, int version);
}
