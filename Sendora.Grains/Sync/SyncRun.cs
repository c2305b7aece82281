namespace Sendora.Grains.Sync;

/// <summary>One run of a sync: why and when it ran, how far it got, what it changed and why it failed.</summary>
[GenerateSerializer, Immutable, Alias("sendora.SyncRun")]
public sealed record SyncRun
{
    [Id(0)] public required string Id { get; init; }

    /// <summary><c>schedule</c>, <c>manual</c> (run-now) or <c>reset</c>.</summary>
    [Id(1)] public required string Trigger { get; init; }

    /// <summary>
    /// <c>backfill</c> when the run started with a full export or continued an unfinished one, <c>incremental</c>
    /// otherwise, and null until the run has read the target's checkpoint.
    /// </summary>
    [Id(2)] public string? Kind { get; init; }

    /// <summary><c>running</c>, <c>succeeded</c> or <c>failed</c>.</summary>
    [Id(3)] public string Status { get; init; } = SyncRunStatuses.Running;

    [Id(4)] public required DateTimeOffset StartedAt { get; init; }

    [Id(5)] public DateTimeOffset? FinishedAt { get; init; }

    [Id(6)] public SyncCounts Counts { get; init; } = SyncCounts.Zero;

    /// <summary>The error that ended a failed run.</summary>
    [Id(7)] public string? Error { get; init; }

    /// <summary>The phase being exported: <c>backfill</c> walks every profile, <c>incremental</c> the changes.</summary>
    [Id(8)] public string Phase { get; init; } = SyncPhases.Incremental;

    /// <summary>Profiles exported in the current phase.</summary>
    [Id(9)] public long Done { get; init; }

    /// <summary>Profiles the current phase exports in all, counted when the phase started.</summary>
    [Id(10)] public long Total { get; init; }

    /// <summary>How many times the run continued from its last committed chunk after its activation was lost.</summary>
    [Id(11)] public int Resumes { get; init; }
}

/// <summary>The phases of a run.</summary>
public static class SyncPhases
{
    public const string Backfill = "backfill";

    public const string Incremental = "incremental";
}

/// <summary>The statuses of a run.</summary>
public static class SyncRunStatuses
{
    public const string Running = "running";

    public const string Succeeded = "succeeded";

    public const string Failed = "failed";
}

/// <summary>What started a run.</summary>
public static class SyncTriggers
{
    public const string Schedule = "schedule";

    public const string Manual = "manual";

    public const string Reset = "reset";
}
