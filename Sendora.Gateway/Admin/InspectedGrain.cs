using System.Text.Json;
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
    public static InspectedGrain From(GrainInspection inspection)
    {
        ArgumentNullException.ThrowIfNull(inspection);
        using var state = JsonDocument.Parse(inspection.StateJson);
        return new InspectedGrain(inspection.GrainId, inspection.Silo, inspection.ActivationId, inspection.RecordExists,
            inspection.ETag, state.RootElement.Clone(), inspection.Truncated);
    }
}
