namespace Sendora.Grains.Sync;

/// <summary>
/// The settings of a sync as an admin request sets them. On an update, a null member keeps the stored value.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.SyncSettings")]
public sealed record SyncSettings
{
    [Id(0)] public string? Name { get; init; }

    /// <summary>The Npgsql connection string of the target database, with its password.</summary>
    [Id(1)] public string? ConnectionString { get; init; }

    /// <summary>A cron expression of five fields, in UTC, for when runs start.</summary>
    [Id(2)] public string? Schedule { get; init; }

    /// <summary>The PostgreSQL schema that contains the sync's tables.</summary>
    [Id(3)] public string? Schema { get; init; }

    /// <summary>Profiles per chunk; null on a sync means <see cref="SyncOptions.ChunkSize"/>.</summary>
    [Id(4)] public int? ChunkSize { get; init; }

    /// <summary>Whether the schedule starts runs; run-now and reset work either way.</summary>
    [Id(5)] public bool? Enabled { get; init; }
}
