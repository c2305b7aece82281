using System.Text.Json;
using System.Text.Json.Serialization;
using Sendora.Grains.Inspection;

namespace Sendora.Gateway.Admin;

/// <summary>One grain activation as the inspection routes return it, with its state as JSON.</summary>
public sealed record InspectedGrain(
    string GrainId,
    string Silo,
    string ActivationId,
    bool Exists,
    string? Etag,
    JsonElement State,
    IReadOnlyList<TruncatedCollection> Truncated)
{
    /// <summary>The size of a profile's state the last time its activation packed it, left out while it never did.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? PackedBytes { get; init; }

    public static InspectedGrain From(GrainInspection inspection)
    {
        ArgumentNullException.ThrowIfNull(inspection);
        using var state = JsonDocument.Parse(inspection.StateJson);
        return new InspectedGrain(inspection.GrainId, inspection.Silo, inspection.ActivationId, inspection.RecordExists,
            inspection.ETag, state.RootElement.Clone(), inspection.Truncated)
        {
            PackedBytes = inspection.PackedBytes,
        };
    }
}
