using Sendora.Grains.Health;

namespace Sendora.Grains.Ingestion;

/// <summary>The messages a source accepted, rejected and dropped as duplicates in one minute or one hour.</summary>
[GenerateSerializer, Alias("sendora.IntakeCounts")]
public sealed class IntakeCounts : ITimeBucket
{
    [Id(0)] public DateTimeOffset Start { get; set; }

    [Id(1)] public long Accepted { get; set; }

    [Id(2)] public long Rejected { get; set; }

    [Id(3)] public long Duplicates { get; set; }

    /// <summary>Messages dropped unstored because a regulation suppresses their userId.</summary>
    [Id(4)] public long Suppressed { get; set; }
}
