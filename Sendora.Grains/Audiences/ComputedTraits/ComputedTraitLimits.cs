namespace Sendora.Grains.Audiences.ComputedTraits;

/// <summary>Bounds on what one computed trait keeps per profile, so a profile's state stays small.</summary>
public static class ComputedTraitLimits
{
    /// <summary>Maximum number of values a <c>unique_list</c> keeps; later new values are not added.</summary>
    public const int MaxUniqueValues = 100;

    /// <summary>Maximum number of distinct values a <c>unique_count</c> counts, where the count stops growing.</summary>
    public const int MaxUniqueCount = 1_000;

    /// <summary>Maximum number of distinct values whose frequency a <c>most_frequent</c> tracks.</summary>
    public const int MaxFrequencies = 100;

    /// <summary>Maximum number of events a windowed computed trait keeps; the oldest go first.</summary>
    public const int MaxWindowEntries = 1_000;

    /// <summary>
    /// Maximum length, in characters of JSON text, of a value that a computed trait keeps (every kind but
    /// count, sum, average, min and max). Longer values are skipped.
    /// </summary>
    public const int MaxValueLength = 1_024;
}
