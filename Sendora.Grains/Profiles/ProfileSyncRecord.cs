namespace Sendora.Grains.Profiles;

/// <summary>A profile as a data sync exports it. A merged or empty profile has <see cref="Exists"/> false and nothing else.</summary>
[GenerateSerializer, Immutable, Alias("sendora.ProfileSyncRecord")]
public sealed record ProfileSyncRecord
{
    [Id(0)] public required string ProfileId { get; init; }

    /// <summary>False when the profile was merged into another or never applied a message: the export deletes it.</summary>
    [Id(1)] public bool Exists { get; init; }

    /// <summary>The state version the record was read at, as recorded in the change log.</summary>
    [Id(2)] public long Version { get; init; }

    [Id(3)] public IReadOnlyList<ExternalId> ExternalIds { get; init; } = [];

    /// <summary>Custom traits as JSON text by name.</summary>
    [Id(4)] public IReadOnlyDictionary<string, string> Traits { get; init; } = new Dictionary<string, string>();

    /// <summary>Computed trait values as JSON text by key.</summary>
    [Id(5)] public IReadOnlyDictionary<string, string> ComputedTraits { get; init; } = new Dictionary<string, string>();

    /// <summary>The audiences the profile is a member of, with the time it entered each.</summary>
    [Id(6)] public IReadOnlyDictionary<string, DateTimeOffset> Memberships { get; init; } = new Dictionary<string, DateTimeOffset>();

    /// <summary>The recent events the profile keeps, oldest first.</summary>
    [Id(7)] public IReadOnlyList<StoredEvent> Events { get; init; } = [];

    [Id(8)] public DateTimeOffset? CreatedAt { get; init; }

    [Id(9)] public DateTimeOffset? FirstSeen { get; init; }

    [Id(10)] public DateTimeOffset? LastSeen { get; init; }
}
