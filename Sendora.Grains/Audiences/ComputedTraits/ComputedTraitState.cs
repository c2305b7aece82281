namespace Sendora.Grains.Audiences.ComputedTraits;

/// <summary>
/// The running value of one computed trait for one profile, persisted with the profile. Create it with
/// <see cref="ComputedTraitDefinition.CreateState"/> and change it only through the definition that
/// created it, because the definition rejects a state created by another one.
/// </summary>
/// <remarks>
/// A trait without a window keeps running totals. A windowed trait (<c>last</c> or
/// <c>between_days_ago</c>) keeps only <see cref="Entries"/> and computes its value from them.
/// </remarks>
[GenerateSerializer, Alias("sendora.ComputedTraitState")]
public sealed class ComputedTraitState
{
    /// <summary>The kind of the definition that created this state, such as <c>sum</c>.</summary>
    [Id(0)] public string Kind { get; set; } = string.Empty;

    /// <summary>The fingerprint of the definition that created this state.</summary>
    [Id(1)] public string Fingerprint { get; set; } = string.Empty;

    /// <summary>Matching events applied.</summary>
    [Id(2)] public long Count { get; set; }

    /// <summary>Numeric values added to <see cref="Sum"/>.</summary>
    [Id(3)] public long NumberCount { get; set; }

    /// <summary>The sum of the numeric values, saturating at the range of <see cref="decimal"/>.</summary>
    [Id(4)] public decimal Sum { get; set; }

    [Id(5)] public decimal? Min { get; set; }

    [Id(6)] public decimal? Max { get; set; }

    /// <summary>The value with the earliest timestamp, and among equal timestamps the one applied first.</summary>
    [Id(7)] public ComputedTraitEntry? First { get; set; }

    /// <summary>The value with the latest timestamp, and among equal timestamps the one applied last.</summary>
    [Id(8)] public ComputedTraitEntry? Last { get; set; }

    /// <summary>
    /// Distinct values as JSON text in the order first applied, at most
    /// <see cref="ComputedTraitLimits.MaxUniqueValues"/>.
    /// </summary>
    [Id(9)] public List<string> UniqueValues { get; set; } = [];

    /// <summary>64-bit hashes of distinct values, at most <see cref="ComputedTraitLimits.MaxUniqueCount"/>.</summary>
    [Id(10)] public HashSet<ulong> UniqueHashes { get; set; } = [];

    /// <summary>
    /// How often each value, as JSON text, occurred, for at most
    /// <see cref="ComputedTraitLimits.MaxFrequencies"/> values.
    /// </summary>
    [Id(11)] public Dictionary<string, long> Frequencies { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The events of a windowed trait, oldest first, at most <see cref="ComputedTraitLimits.MaxWindowEntries"/>.
    /// </summary>
    [Id(12)] public List<ComputedTraitEntry> Entries { get; set; } = [];
}
