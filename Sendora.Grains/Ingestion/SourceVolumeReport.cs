namespace Sendora.Grains.Ingestion;

/// <summary>A source's recent counts and the state of its volume alert.</summary>
[GenerateSerializer, Immutable, Alias("sendora.SourceVolumeReport")]
public sealed record SourceVolumeReport
{
    /// <summary>Counts per minute over the last 2 hours, oldest first, without the minutes that had no messages.</summary>
    [Id(0)] public required IReadOnlyList<IntakeCounts> Minutes { get; init; }

    /// <summary>Counts per hour over the last 8 days, oldest first, without the hours that had no messages.</summary>
    [Id(1)] public required IReadOnlyList<IntakeCounts> Hours { get; init; }

    [Id(2)] public required bool AlertOpen { get; init; }

    /// <summary>The latest check of the last full hour, or null before the first check.</summary>
    [Id(3)] public VolumeCheck? LastCheck { get; init; }
}
