using Orleans.Concurrency;
using Sendora.Grains.Inspection;

namespace Sendora.Grains.Journeys;

/// <summary>
/// Where one profile is in one journey, keyed <c>{workspaceId}/{journeyId}/{profileId}</c>. One grain contains
/// every run of the pair, so the entry rules are decided in one place and a repeated trigger cannot start a second run.
/// Waits are reminders, with a timer for short ones, so that they outlive the activation and the silo.
/// </summary>
public interface IJourneyRunGrain : IGrainWithStringKey, IInspectable
{
    /// <summary>
    /// Handles signals of the profile in order: starts runs, ends them by exit rules, counts conversions and
    /// resumes waits, then moves every run on as far as it goes. Drops a signal it already handled. Returns until
    /// when the profile should keep sending its events and membership changes, or null when no run needs them.
    /// </summary>
    Task<DateTimeOffset?> SignalAsync(IReadOnlyList<JourneySignal> signals);

    /// <summary>Returns the runs, newest first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<JourneyRunInfo>> GetRunsAsync();

    /// <summary>
    /// Erases the profile's data from its runs: ends the active ones as exited, removes their waits, and clears the
    /// trigger events, entry keys and signal ids of all of them. The runs stay listed with their steps, times and
    /// statuses, and the grain drops every later signal. A grain that never stored a run stays without state unless
    /// <paramref name="followed"/> is true, which means the profile may have sent it a signal that has not arrived yet.
    /// Returns the delivery ids of every run, so that the caller can erase the deliveries too. Calling it again only
    /// finishes what a failure cut short and returns the same ids.
    /// </summary>
    Task<IReadOnlyList<string>> EraseAsync(bool followed);
}

/// <summary>The statuses of a run.</summary>
public static class JourneyRunStatuses
{
    /// <summary>Moving from step to step; only seen between a crash and the reminder that resumes it.</summary>
    public const string Running = "running";

    public const string Waiting = "waiting";

    /// <summary>Reached a step with no next step.</summary>
    public const string Completed = "completed";

    /// <summary>Ended by an exit rule, an exit step, a merge of the profile or its erasure.</summary>
    public const string Exited = "exited";

    public static bool IsActive(string status) => status is Running or Waiting;
}

/// <summary>One run of one profile through one journey version.</summary>
[GenerateSerializer, Alias("sendora.JourneyRun")]
public sealed class JourneyRun
{
    /// <summary>Counts the runs of this profile in this journey, from 1.</summary>
    [Id(0)] public int Number { get; set; }

    [Id(1)] public int Version { get; set; }

    /// <summary>The value of the entry key property, or empty.</summary>
    [Id(2)] public string EntryKey { get; set; } = string.Empty;

    [Id(3)] public string TriggerSignalId { get; set; } = string.Empty;

    /// <summary>The event that started the run, or that caused the audience change that did.</summary>
    [Id(4)] public JourneyEvent? TriggerEvent { get; set; }

    [Id(5)] public DateTimeOffset EnteredAt { get; set; }

    [Id(6)] public string StepId { get; set; } = string.Empty;

    [Id(7)] public DateTimeOffset StepEnteredAt { get; set; }

    /// <summary>One of <see cref="JourneyRunStatuses"/>.</summary>
    [Id(8)] public string Status { get; set; } = JourneyRunStatuses.Running;

    /// <summary>When the wait at the current step ends; null while not waiting.</summary>
    [Id(9)] public DateTimeOffset? WaitUntil { get; set; }

    /// <summary>The steps the run arrived at, in order.</summary>
    [Id(10)] public List<string> Path { get; set; } = [];

    [Id(11)] public DateTimeOffset? ConvertedAt { get; set; }

    [Id(12)] public DateTimeOffset? EndedAt { get; set; }

    [Id(13)] public string? EndReason { get; set; }

    /// <summary>The delivery ids of the messages the run sent.</summary>
    [Id(14)] public List<string> Deliveries { get; set; } = [];

    /// <summary>The audience of an audience trigger.</summary>
    [Id(15)] public string? TriggerAudienceId { get; set; }

    public JourneyRunInfo ToInfo() => new()
    {
        Number = Number,
        Version = Version,
        EntryKey = EntryKey,
        Status = Status,
        StepId = StepId,
        EnteredAt = EnteredAt,
        StepEnteredAt = StepEnteredAt,
        WaitUntil = WaitUntil,
        Path = [.. Path],
        ConvertedAt = ConvertedAt,
        EndedAt = EndedAt,
        EndReason = EndReason,
        Deliveries = [.. Deliveries],
    };
}

/// <summary>A read-only copy of a run for the admin API.</summary>
[GenerateSerializer, Immutable, Alias("sendora.JourneyRunInfo")]
public sealed record JourneyRunInfo
{
    [Id(0)] public int Number { get; init; }

    [Id(1)] public int Version { get; init; }

    [Id(2)] public string EntryKey { get; init; } = string.Empty;

    [Id(3)] public string Status { get; init; } = string.Empty;

    [Id(4)] public string StepId { get; init; } = string.Empty;

    [Id(5)] public DateTimeOffset EnteredAt { get; init; }

    [Id(6)] public DateTimeOffset StepEnteredAt { get; init; }

    [Id(7)] public DateTimeOffset? WaitUntil { get; init; }

    [Id(8)] public IReadOnlyList<string> Path { get; init; } = [];

    [Id(9)] public DateTimeOffset? ConvertedAt { get; init; }

    [Id(10)] public DateTimeOffset? EndedAt { get; init; }

    [Id(11)] public string? EndReason { get; init; }

    [Id(12)] public IReadOnlyList<string> Deliveries { get; init; } = [];
}

/// <summary>The persisted state of one profile's runs in one journey.</summary>
[GenerateSerializer, Alias("sendora.JourneyRunsState")]
public sealed class JourneyRunsState
{
    /// <summary>Active runs and the most recent finished ones, oldest first.</summary>
    [Id(0)] public List<JourneyRun> Runs { get; set; } = [];

    /// <summary>How many runs ever started, which numbers them and decides an entry rule of once.</summary>
    [Id(1)] public int RunCount { get; set; }

    [Id(2)] public DateTimeOffset? LastEntryAt { get; set; }

    /// <summary>The ids of the latest signals handled, to drop one the profile sends again.</summary>
    [Id(3)] public List<string> SeenSignals { get; set; } = [];

    /// <summary>Counter changes saved and not yet added by the journey.</summary>
    [Id(4)] public List<CounterReport> PendingReports { get; set; } = [];

    [Id(5)] public long ReportCount { get; set; }

    /// <summary>The moment the wake-up reminder is registered for; null when none is.</summary>
    [Id(6)] public DateTimeOffset? ReminderDue { get; set; }

    /// <summary>When a regulation erased the profile's data from these runs; null while it has not.</summary>
    [Id(7)] public DateTimeOffset? ErasedAt { get; set; }
}
