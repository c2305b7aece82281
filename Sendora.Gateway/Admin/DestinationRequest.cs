using System.Text.Json;

namespace Sendora.Gateway.Admin;

/// <summary>The body that creates or replaces a destination. On a replace, a missing signing secret keeps the old one.</summary>
public sealed record DestinationRequest(
    string? Id,
    string? Name,
    IReadOnlyList<string>? SourceIds,
    bool? Enabled,
    string? Url,
    Dictionary<string, string>? Headers,
    string? SigningSecret,
    DestinationFilterRequest? Filter,
    DestinationMappingRequest? Mapping,
    DestinationAudienceEventsRequest? AudienceEvents,
    int? BatchSize,
    int? MaxBatchAgeMs,
    int? RetryPeriodMinutes);

/// <summary>Which messages a destination takes; <c>where</c> is a property condition in the audience language.</summary>
public sealed record DestinationFilterRequest(
    IReadOnlyList<string>? EventTypes, IReadOnlyList<string>? EventNames, JsonElement? Where);

/// <summary>Fields renamed (from path to path) and dropped, by dotted path.</summary>
public sealed record DestinationMappingRequest(Dictionary<string, string>? Rename, IReadOnlyList<string>? Drop);

/// <summary>Whether audience enters and exits reach the destination, for which audiences, under which event names.</summary>
public sealed record DestinationAudienceEventsRequest(
    bool? Enabled, IReadOnlyList<string>? AudienceIds, string? EnterEvent, string? ExitEvent);
