using System.ComponentModel.DataAnnotations;

namespace Sendora.Grains.Sync;

/// <summary>Settings of data syncs to PostgreSQL, bound from <c>Sendora:Sync</c>.</summary>
public sealed class SyncOptions
{
    public const string SectionName = "Sendora:Sync";

    /// <summary>How many profiles one chunk exports in one PostgreSQL transaction, for syncs without their own value. Default 500.</summary>
    [Range(1, 10_000)]
    public int ChunkSize { get; set; } = 500;

    /// <summary>How many runs in a row must fail before the sync's failure alert opens. Default 3.</summary>
    [Range(1, 1_000)]
    public int FailureAlertThreshold { get; set; } = 3;

    /// <summary>How many finished runs each sync keeps in its history, newest first. Default 100.</summary>
    [Range(1, 10_000)]
    public int MaxRunHistory { get; set; } = 100;

    /// <summary>How many profiles a run reads from their grains at once while it builds a chunk. Default 32.</summary>
    [Range(1, 1_000)]
    public int ReadParallelism { get; set; } = 32;

    /// <summary>
    /// How many event tables one sync's schema may have. Events that would create a table beyond it go to
    /// <c>discards</c> with the reason <c>table_limit</c> and stay in <c>events</c>. Default 1,000.
    /// </summary>
    [Range(0, 100_000)]
    public int MaxEventTables { get; set; } = EventTables.EventTablePlanner.DefaultMaxTables;

    /// <summary>How long a PostgreSQL command of a run may take before the run fails. Default 5 minutes.</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
