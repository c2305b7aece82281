namespace Sendora.Grains.Inspection;

/// <summary>What one activation holds, read by <see cref="IInspectable.InspectAsync"/>.</summary>
[GenerateSerializer, Immutable, Alias("sendora.GrainInspection")]
public sealed record GrainInspection
{
    /// <summary>The Orleans grain id, such as <c>profile/default/p_0196...</c>.</summary>
    [Id(0)] public required string GrainId { get; init; }

    /// <summary>The address of the silo that hosts the activation, as <c>host:port@generation</c>.</summary>
    [Id(1)] public required string Silo { get; init; }

    [Id(2)] public required string ActivationId { get; init; }

    /// <summary>Whether storage holds a record for the grain; false for a grain that was never written.</summary>
    [Id(3)] public bool RecordExists { get; init; }

    /// <summary>The ETag of the stored record the activation last read or wrote; null when there is none.</summary>
    [Id(4)] public string? ETag { get; init; }

    /// <summary>The state as a JSON object, with JSON text members shown as JSON (see <see cref="GrainStateJson"/>).</summary>
    [Id(5)] public required string StateJson { get; init; }

    /// <summary>The collections that were cut to the requested number of entries.</summary>
    [Id(6)] public IReadOnlyList<TruncatedCollection> Truncated { get; init; } = [];

    /// <summary>
    /// The size in bytes of a profile's state the last time its activation packed it. It is null while it never did, and
    /// for other grains.
    /// </summary>
    [Id(7)] public int? PackedBytes { get; init; }
}

/// <summary>A JSON array or object of the state that was cut: its path, its size and how many entries were kept.</summary>
[GenerateSerializer, Immutable, Alias("sendora.TruncatedCollection")]
public sealed record TruncatedCollection(
    [property: Id(0)] string Path,
    [property: Id(1)] int Count,
    [property: Id(2)] int Kept);
