using Microsoft.Extensions.Logging;
using Sendora.Grains.Audiences;
using Sendora.Grains.Ingestion;
using Sendora.Grains.Journeys;

namespace Sendora.Grains.Profiles;

public sealed partial class ProfileGrain
{
    // How long a profile sends events to a journey it sent a trigger candidate, until the run grain replies.
    private static readonly TimeSpan FollowUntilAnswered = TimeSpan.FromDays(400);

    private const string SignalReminder = "journey-signals";

    // The journeys whose run grain is taking a call with this profile's signals now.
    private readonly HashSet<string> _sendingJourneys = new(StringComparer.Ordinal);
    private AudienceCatalog _journeyCatalog = AudienceCatalog.Empty;
    private IGrainTimer? _journeyTimer;

    /// <summary>
    /// Adds a signal per applied message for each journey it may trigger and each journey the profile follows.
    /// The signals are saved with the state and sent after it, as the membership changes are.
    /// </summary>
    private async Task QueueEventSignalsAsync(IReadOnlyList<TrackedMessage> applied)
    {
        var journeys = State.Journeys;
        _journeyCatalog = await GetCatalogAsync();
        if (_journeyCatalog.Journeys.Count == 0 && journeys.Following.Count == 0)
        {
            return;
        }

        var now = clock.GetUtcNow();
        foreach (var (journeyId, until) in journeys.Following.ToList())
        {
            if (until < now)
            {
                journeys.Following.Remove(journeyId);
            }
        }

        foreach (var message in applied)
        {
            if (message.Type is not (MessageTypes.Track or MessageTypes.Page or MessageTypes.Screen or MessageTypes.Identify))
            {
                continue;
            }

            var candidates = _journeyCatalog.Journeys
                .Where(j => j.Trigger == JourneyTriggerKind.Event && j.EventType == message.Type
                    && (j.EventName is null || j.EventName == message.Name))
                .Select(j => j.JourneyId);
            AddSignals(JourneySignalKinds.Event, null, EventOf(message), now, candidates);
        }
    }

    /// <summary>Adds the signals of a membership change the profile just decided.</summary>
    private void QueueMembershipSignals(MembershipChange change)
    {
        var journeys = State.Journeys;
        if (_journeyCatalog.Journeys.Count == 0 && journeys.Following.Count == 0)
        {
            return;
        }

        var enter = change.Kind == MembershipChangeKinds.Enter;
        var trigger = enter ? JourneyTriggerKind.AudienceEntered : JourneyTriggerKind.AudienceExited;
        var candidates = _journeyCatalog.Journeys
            .Where(j => j.Trigger == trigger && j.AudienceId == change.AudienceId)
            .Select(j => j.JourneyId);
        var cause = change.CauseMessageId is { } id
            ? State.Audiences.History.LastOrDefault(e => e.MessageId == id) is { } stored
                ? new JourneyEvent(stored.MessageId, stored.Type, stored.Name, stored.Timestamp, stored.PropertiesJson)
                : null
            : null;
        AddSignals(enter ? JourneySignalKinds.AudienceEntered : JourneySignalKinds.AudienceExited, change.AudienceId, cause, change.At,
            candidates);
    }

    private void AddSignals(string kind, string? audienceId, JourneyEvent? e, DateTimeOffset at, IEnumerable<string> candidates)
    {
        var journeys = State.Journeys;
        var triggered = candidates.ToHashSet(StringComparer.Ordinal);
        foreach (var journeyId in triggered.Union(journeys.Following.Keys, StringComparer.Ordinal).ToList())
        {
            var candidate = triggered.Contains(journeyId);
            if (candidate && !journeys.Following.ContainsKey(journeyId))
            {
                journeys.Following[journeyId] = at + FollowUntilAnswered;
            }

            journeys.SignalCount++;
            journeys.Outbox.Add(new JourneySignal
            {
                SignalId = $"{_profileId}:{journeys.SignalCount}",
                JourneyId = journeyId,
                Kind = kind,
                At = at,
                AudienceId = audienceId,
                Event = e,
                TriggerCandidate = candidate,
            });
        }
    }

    /// <summary>
    /// Registers a reminder before trigger candidates or destination messages are saved, so that they are sent even
    /// when the silo stops before sending them and no later message wakes the profile. The reminder removes itself once the outbox is empty.
    /// </summary>
    private async Task EnsureSignalReminderAsync()
    {
        var journeys = State.Journeys;
        if (journeys.ReminderRegistered
            || (!journeys.Outbox.Any(s => s.TriggerCandidate) && State.Destinations.Outbox.Count == 0))
        {
            return;
        }

        await this.RegisterOrUpdateReminder(SignalReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        journeys.ReminderRegistered = true;
    }

    private async Task OnSignalReminderAsync()
    {
        var journeys = State.Journeys;
        if (journeys.Outbox.Count > 0 || State.Destinations.Outbox.Count > 0)
        {
            // Sent from the interleaving timers, never from this turn: a run grain may call back into the profile.
            ScheduleSignalPublish(TimeSpan.Zero);
            ScheduleDestinationPublish(TimeSpan.Zero);
            return;
        }

        if (await this.GetReminder(SignalReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        journeys.ReminderRegistered = false;
        await PersistAsync();
    }

    private static JourneyEvent EventOf(TrackedMessage message) => new(
        message.MessageId,
        message.Type,
        message.Name ?? string.Empty,
        message.Timestamp,
        message.Type == MessageTypes.Identify ? "{}" : CompactPropertiesJson(message.Json));

    /// <summary>
    /// Sends the saved signals from a timer that interleaves with the profile's calls, because a run grain that
    /// handles them may call this profile: to test a condition, read traits or set one.
    /// </summary>
    private void ScheduleSignalPublish(TimeSpan? delay = null)
    {
        if (_stale || State.Journeys.Outbox.Count == 0 || (_journeyTimer is not null && delay is null))
        {
            return;
        }

        _journeyTimer?.Dispose();
        _journeyTimer = this.RegisterGrainTimer(
            _ => PublishSignalsAsync(),
            new GrainTimerCreationOptions(delay ?? TimeSpan.Zero, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = true });
    }

    /// <summary>
    /// Sends the outbox to the run grains, one call at a time per journey. Journeys do not wait for each other, so a run
    /// grain that takes long, such as one whose webhook never replies, delays only the signals of its own journey. A sent
    /// signal leaves the outbox in memory now and in storage with the next save. One sent again after a crash is dropped
    /// by its run grain.
    /// </summary>
    private async Task PublishSignalsAsync()
    {
        _journeyTimer?.Dispose();
        _journeyTimer = null;
        if (_stale)
        {
            return;
        }

        var idle = State.Journeys.Outbox
            .Select(s => s.JourneyId)
            .Where(journeyId => !_sendingJourneys.Contains(journeyId))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        await Task.WhenAll(idle.Select(SendJourneySignalsAsync));
    }

    /// <summary>Sends the outbox signals of one journey in order, including those added while a call is under way.</summary>
    private async Task SendJourneySignalsAsync(string journeyId)
    {
        var journeys = State.Journeys;
        var runGrain = GrainFactory.GetGrain<IJourneyRunGrain>(GrainKeys.Scoped(_workspaceId, $"{journeyId}/{_profileId}"));
        _sendingJourneys.Add(journeyId);
        try
        {
            // An erasure replaces the state, and the signals left in the old outbox must not reach a run grain.
            while (!_stale && State.ErasedAt is null)
            {
                var batch = journeys.Outbox.Where(s => s.JourneyId == journeyId).ToList();
                if (batch.Count == 0)
                {
                    return;
                }

                DateTimeOffset? until;
                try
                {
                    until = await runGrain.SignalAsync(batch);
                }
                catch (Exception exception)
                {
                    LogSignalsFailed(exception, batch.Count, journeyId, _profileId);
                    ScheduleSignalPublish(TimeSpan.FromSeconds(5));
                    return;
                }

                var sent = batch.Select(s => s.SignalId).ToHashSet(StringComparer.Ordinal);
                journeys.Outbox.RemoveAll(s => sent.Contains(s.SignalId));
                if (until is { } followUntil)
                {
                    journeys.Following[journeyId] = followUntil;
                }
                else if (!journeys.Outbox.Any(s => s.JourneyId == journeyId && s.TriggerCandidate))
                {
                    journeys.Following.Remove(journeyId);
                }
            }
        }
        finally
        {
            _sendingJourneys.Remove(journeyId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Failed to send {Count} signals of profile {ProfileId} to journey {JourneyId}; retrying in 5 seconds")]
    private partial void LogSignalsFailed(Exception exception, int count, string journeyId, string profileId);
}

/// <summary>The journey part of a profile's state.</summary>
[GenerateSerializer, Alias("sendora.ProfileJourneyState")]
public sealed class ProfileJourneyState
{
    /// <summary>Signals saved with the state that caused them and not yet taken by their run grain.</summary>
    [Id(0)] public List<JourneySignal> Outbox { get; set; } = [];

    /// <summary>How many signals the profile made, which numbers their ids.</summary>
    [Id(1)] public long SignalCount { get; set; }

    /// <summary>The journeys whose runs need this profile's events and membership changes, and until when.</summary>
    [Id(2)] public Dictionary<string, DateTimeOffset> Following { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Whether the reminder that sends a saved outbox after a restart is registered.</summary>
    [Id(3)] public bool ReminderRegistered { get; set; }
}
