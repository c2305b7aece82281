namespace Sendora.Grains.Sync;

/// <summary>The persisted state of one sync.</summary>
[GenerateSerializer, Alias("sendora.SyncState")]
public sealed class SyncState
{
    [Id(0)] public DateTimeOffset? CreatedAt { get; set; }

    [Id(1)] public DateTimeOffset UpdatedAt { get; set; }

    [Id(2)] public string Name { get; set; } = string.Empty;

    /// <summary>The connection string with its password; it leaves the grain only masked.</summary>
    [Id(3)] public string ConnectionString { get; set; } = string.Empty;

    [Id(4)] public string Schedule { get; set; } = string.Empty;

    [Id(5)] public string Schema { get; set; } = SyncRules.DefaultSchema;

    [Id(6)] public int? ChunkSize { get; set; }

    [Id(7)] public bool Enabled { get; set; } = true;

    /// <summary>Incremented by each reset; a checkpoint of an older generation starts a new backfill.</summary>
    [Id(8)] public long ResetGeneration { get; set; }

    [Id(9)] public SyncRun? CurrentRun { get; set; }

    /// <summary>Finished runs, oldest first, at most <see cref="SyncOptions.MaxRunHistory"/>.</summary>
    [Id(10)] public List<SyncRun> Runs { get; set; } = [];

    [Id(11)] public int ConsecutiveFailures { get; set; }

    /// <summary>
    /// The latest schedule occurrence that started a run, or the time the schedule or the enabled flag last changed.
    /// </summary>
    [Id(12)] public DateTimeOffset? LastScheduledAt { get; set; }
}
