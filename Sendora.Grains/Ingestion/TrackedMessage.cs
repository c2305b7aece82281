using Sendora.Grains.Identity;

namespace Sendora.Grains.Ingestion;

/// <summary>
/// One validated, normalized message on its way to a profile. <see cref="Json"/> is the canonical
/// envelope exactly as the profile API returns it; the other members are the fields that grains
/// act on, copied out so that they need not parse the envelope.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.TrackedMessage")]
public sealed record TrackedMessage
{
    /// <summary>The call type: identify, track, page, screen, group or alias.</summary>
    [Id(0)] public required string Type { get; init; }

    [Id(1)] public required string MessageId { get; init; }

    [Id(2)] public string? UserId { get; init; }

    [Id(3)] public string? AnonymousId { get; init; }

    /// <summary>The event name of a track call, or the name of a page or screen call.</summary>
    [Id(4)] public string? Name { get; init; }

    [Id(5)] public string? GroupId { get; init; }

    [Id(6)] public string? PreviousId { get; init; }

    /// <summary>The skew-corrected time of the message, in UTC.</summary>
    [Id(7)] public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The gateway's clock when the request arrived, in UTC.</summary>
    [Id(8)] public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The <c>traits</c> object of an identify or group call as JSON text, or null when absent.</summary>
    [Id(9)] public string? TraitsJson { get; init; }

    /// <summary>The id of the source whose write key sent the message.</summary>
    [Id(10)] public required string SourceId { get; init; }

    /// <summary>The canonical envelope as UTF-8 JSON text.</summary>
    [Id(11)] public required string Json { get; init; }

    /// <summary>The external ids the message carries that identity resolution attached to its profile.</summary>
    [Id(12)] public IReadOnlyList<ExternalIdKey> ExternalIds { get; init; } = [];

    /// <summary>
    /// True when the gateway sent the message to its profile from its own record of which profile owns each id,
    /// without asking the Identity grains. The profile then applies it only if it still lists every id in
    /// <see cref="ExternalIds"/>.
    /// </summary>
    [Id(13)] public bool RoutedByKnownOwner { get; init; }
}
