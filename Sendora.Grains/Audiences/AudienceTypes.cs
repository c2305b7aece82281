namespace Sendora.Grains.Audiences;

/// <summary>An audience as the workspace stores it: its condition as JSON text and its version.</summary>
[GenerateSerializer, Immutable, Alias("sendora.AudienceDefinition")]
public sealed record AudienceDefinition
{
    [Id(0)] public required string Id { get; init; }

    [Id(1)] public required string Name { get; init; }

    /// <summary>The condition in the audience definition language, as JSON text.</summary>
    [Id(2)] public required string ConditionJson { get; init; }

    /// <summary>Starts at 1 and grows with every edit; profiles re-evaluate an audience whose version changed.</summary>
    [Id(3)] public int Version { get; init; } = 1;

    /// <summary>A disabled audience keeps its definition and members but is not evaluated.</summary>
    [Id(4)] public bool Enabled { get; init; } = true;

    [Id(5)] public DateTimeOffset CreatedAt { get; init; }

    [Id(6)] public DateTimeOffset UpdatedAt { get; init; }

    [Id(7)] public string? Description { get; init; }

    /// <summary>
    /// The workspace's catalog version that first listed this audience. A profile's membership recorded with an
    /// earlier catalog belongs to a deleted audience of the same id. 0 for audiences created before it was kept.
    /// </summary>
    [Id(8)] public long CreatedInCatalog { get; init; }
}

/// <summary>A computed trait as the workspace stores it: its definition as JSON text and its version.</summary>
[GenerateSerializer, Immutable, Alias("sendora.ComputedTraitRecord")]
public sealed record ComputedTraitRecord
{
    /// <summary>The key under which profiles serve the value, like a trait name.</summary>
    [Id(0)] public required string Key { get; init; }

    [Id(1)] public required string DefinitionJson { get; init; }

    [Id(2)] public int Version { get; init; } = 1;

    [Id(3)] public bool Enabled { get; init; } = true;

    [Id(4)] public DateTimeOffset CreatedAt { get; init; }

    [Id(5)] public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>
/// Everything a profile evaluates in one workspace. Audiences are ordered so that an audience comes after
/// every audience its condition refers to.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.AudienceCatalog")]
public sealed record AudienceCatalog(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyList<AudienceDefinition> Audiences,
    [property: Id(2)] IReadOnlyList<ComputedTraitRecord> ComputedTraits)
{
    public static readonly AudienceCatalog Empty = new(0, [], []);

    /// <summary>The journeys that take new entries, which profiles send trigger candidates to.</summary>
    [Id(3)] public IReadOnlyList<Journeys.JourneyEntryPoint> Journeys { get; init; } = [];

    /// <summary>The destinations, which profiles hand their messages and membership changes to.</summary>
    [Id(4)] public IReadOnlyList<Destinations.DestinationDefinition> Destinations { get; init; } = [];
}

/// <summary>Whether a membership change is an enter or an exit.</summary>
public static class MembershipChangeKinds
{
    public const string Enter = "enter";
    public const string Exit = "exit";
}

/// <summary>
/// One profile entering or leaving one audience. <see cref="ChangeId"/> is unique per profile and change,
/// so that consumers drop a change the profile publishes again after a crash.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.MembershipChange")]
public sealed record MembershipChange
{
    [Id(0)] public required string AudienceId { get; init; }

    [Id(1)] public required string ProfileId { get; init; }

    /// <summary><see cref="MembershipChangeKinds.Enter"/> or <see cref="MembershipChangeKinds.Exit"/>.</summary>
    [Id(2)] public required string Kind { get; init; }

    /// <summary><c>{profileId}:{number}</c>, the number counting the profile's changes.</summary>
    [Id(3)] public required string ChangeId { get; init; }

    /// <summary>When the profile decided the change.</summary>
    [Id(4)] public required DateTimeOffset At { get; init; }

    /// <summary>The profile's external ids as <c>type:value</c>.</summary>
    [Id(5)] public IReadOnlyList<string> ExternalIds { get; init; } = [];

    /// <summary>The message that caused the change; null for a window that expired, a merge or a re-evaluation.</summary>
    [Id(6)] public string? CauseMessageId { get; init; }

    /// <summary>The audience version the profile evaluated.</summary>
    [Id(7)] public int AudienceVersion { get; init; }
}

/// <summary>A membership change with its place in the audience's log.</summary>
[GenerateSerializer, Immutable, Alias("sendora.AudienceLogEntry")]
public sealed record AudienceLogEntry(
    [property: Id(0)] long Sequence,
    [property: Id(1)] MembershipChange Change);
