namespace Sendora.Grains.Sync;

/// <summary>
/// The position of a sync's export, stored as JSON in the target's <c>sync_checkpoints</c> table in the same transaction
/// as the chunk it follows. A run resumes from it, so a chunk is never applied twice and none is skipped.
/// </summary>
public sealed record SyncCheckpoint
{
    /// <summary>The reset this checkpoint belongs to; a newer reset in the sync starts a new backfill.</summary>
    public long ResetGeneration { get; init; }

    /// <summary>The run that committed the checkpoint; its counts continue only in the same run.</summary>
    public required string RunId { get; init; }

    public string Phase { get; init; } = SyncPhases.Backfill;

    /// <summary>During a backfill, the profile index shard being walked and the last profile id exported in it.</summary>
    public int IndexShard { get; init; }

    public string? AfterProfileId { get; init; }

    /// <summary>The last exported change log sequence of each shard.</summary>
    public required long[] Positions { get; init; }

    /// <summary>The change log sequence of each shard that the incremental phase of this run stops at.</summary>
    public long[]? UpTo { get; init; }

    public long Done { get; init; }

    public long Total { get; init; }

    /// <summary>The rows the run changed so far.</summary>
    public SyncCounts Counts { get; init; } = SyncCounts.Zero;
}
