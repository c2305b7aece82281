using Sendora.Grains.Identity;
using Sendora.Grains.Ingestion;

namespace Sendora.Gateway.Tracking;

/// <summary>
/// Either a normalized message with the external ids found in it (before the workspace's identity
/// rules filter them), or the reason it was rejected.
/// </summary>
public readonly record struct NormalizeResult(
    TrackedMessage? Message, IReadOnlyList<ExternalIdKey>? CandidateIds, IngestionError? Error)
{
    public static NormalizeResult Rejected(IngestionError error) => new(null, null, error);
}
