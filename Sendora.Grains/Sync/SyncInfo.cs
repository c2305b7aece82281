namespace Sendora.Grains.Sync;

/// <summary>A sync as the admin API returns it, with the password of its connection string masked.</summary>
[GenerateSerializer, Immutable, Alias("sendora.SyncInfo")]
public sealed record SyncInfo
{
    [Id(0)] public required string Id { get; init; }

    [Id(1)] public required string Name { get; init; }

    /// <summary>The connection string with its password replaced by <see cref="SyncRules.PasswordMask"/>.</summary>
    [Id(2)] public required string ConnectionString { get; init; }

    [Id(3)] public required string Schedule { get; init; }

    [Id(4)] public required string Schema { get; init; }

    /// <summary>The sync's own chunk size, or null when it uses <see cref="SyncOptions.ChunkSize"/>.</summary>
    [Id(5)] public int? ChunkSize { get; init; }

    [Id(6)] public bool Enabled { get; init; }

    [Id(7)] public DateTimeOffset CreatedAt { get; init; }

    [Id(8)] public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>When the schedule starts the next run; null while the sync is disabled.</summary>
    [Id(9)] public DateTimeOffset? NextRunAt { get; init; }

    /// <summary>The run in progress, with its progress.</summary>
    [Id(10)] public SyncRun? CurrentRun { get; init; }

    /// <summary>The newest finished run.</summary>
    [Id(11)] public SyncRun? LastRun { get; init; }

    /// <summary>Runs that failed in a row since the last run that succeeded.</summary>
    [Id(12)] public int ConsecutiveFailures { get; init; }

    /// <summary>How many resets were requested; each starts a full backfill.</summary>
    [Id(13)] public long ResetGeneration { get; init; }
}

/// <summary>The run that a run-now or reset request started, or the one already running when <see cref="Started"/> is false.</summary>
[GenerateSerializer, Immutable, Alias("sendora.SyncRunStart")]
public sealed record SyncRunStart([property: Id(0)] SyncRun Run, [property: Id(1)] bool Started);
