using Sendora.Grains.Ingestion;

namespace Sendora.Gateway.Tracking;

/// <summary>Either a normalized message with the id of the profile it belongs to, or the reason it was rejected.</summary>
public readonly record struct NormalizeResult(TrackedMessage? Message, string? ProfileId, IngestionError? Error)
{
    public static NormalizeResult Rejected(IngestionError error) => new(null, null, error);
}
