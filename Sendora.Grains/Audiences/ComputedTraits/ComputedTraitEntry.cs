namespace Sendora.Grains.Audiences.ComputedTraits;

/// <summary>
/// One event as a computed trait keeps it: its timestamp, and its property value as a number for
/// numeric kinds or as JSON text for the others. Count keeps neither.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.ComputedTraitEntry")]
public sealed record ComputedTraitEntry(
    [property: Id(0)] DateTimeOffset Timestamp,
    [property: Id(1)] decimal? Number,
    [property: Id(2)] string? Value);
