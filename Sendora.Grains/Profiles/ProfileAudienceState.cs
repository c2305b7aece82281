using System.Text;
using System.Text.Json.Serialization;
using Sendora.Grains.Audiences;
using Sendora.Grains.Audiences.ComputedTraits;

namespace Sendora.Grains.Profiles;

/// <summary>One audience a profile is a member of: since when, and the audience version that decided it.</summary>
[GenerateSerializer, Immutable, Alias("sendora.AudienceMembership")]
public sealed record AudienceMembership(
    [property: Id(0)] DateTimeOffset Since,
    [property: Id(1)] int Version,
    [property: Id(2)] long CatalogVersion = 0)
{
    /// <summary>Tells whether this membership was recorded for an earlier, deleted audience with the id of <paramref name="audience"/>.</summary>
    public bool IsOlderThan(AudienceDefinition audience) => CatalogVersion < audience.CreatedInCatalog;
}

/// <summary>One event kept for audience conditions and computed traits, with its properties as UTF-8 JSON.</summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("sendora.HistoryEvent")]
public sealed record HistoryEvent
{
    /// <summary>Creates an event from its properties object as UTF-8 JSON. The array is kept, not copied.</summary>
    public HistoryEvent(string messageId, string type, string name, DateTimeOffset timestamp, byte[] utf8Properties)
    {
        ArgumentNullException.ThrowIfNull(utf8Properties);
        MessageId = messageId;
        Type = type;
        Name = name;
        Timestamp = timestamp;
        Utf8Properties = utf8Properties;
    }

    [Id(0)] public string MessageId { get; init; }

    [Id(1)] public string Type { get; init; }

    [Id(2)] public string Name { get; init; }

    [Id(3)] public DateTimeOffset Timestamp { get; init; }

    /// <summary>The properties object as JSON text, decoded from <see cref="Utf8Properties"/> on each read.</summary>
    public string PropertiesJson => Utf8Properties is { } bytes
        ? Encoding.UTF8.GetString(bytes)
        : LegacyPropertiesJson ?? throw new InvalidOperationException($"History event '{MessageId}' has no properties.");

    /// <summary>
    /// The properties as UTF-16 text, the form stored before <see cref="Utf8Properties"/> existed, or null in events
    /// created since. <see cref="Compact"/> moves it into <see cref="Utf8Properties"/>.
    /// </summary>
    [Id(4), JsonIgnore] public string? LegacyPropertiesJson { get; init; }

    /// <summary>The properties object as UTF-8 JSON, or null in an event stored in the legacy form.</summary>
    [Id(5), JsonIgnore] public byte[]? Utf8Properties { get; init; }

    /// <summary>The properties object as UTF-8 JSON, whichever form the event was stored in.</summary>
    [JsonIgnore]
    public ReadOnlyMemory<byte> Properties => Utf8Properties ?? Compact().Utf8Properties!;

    /// <summary>The length of the properties in UTF-8 bytes.</summary>
    [JsonIgnore]
    public int PropertiesLength => Utf8Properties?.Length ?? Encoding.UTF8.GetByteCount(PropertiesJson);

    /// <summary>Returns this event with legacy properties converted to UTF-8, or this event when it has none.</summary>
    public HistoryEvent Compact() => LegacyPropertiesJson is { } json && Utf8Properties is null
        ? this with { Utf8Properties = Encoding.UTF8.GetBytes(json), LegacyPropertiesJson = null }
        : this;
}

/// <summary>The audience part of a profile's state.</summary>
[GenerateSerializer, Alias("sendora.ProfileAudienceState")]
public sealed class ProfileAudienceState
{
    /// <summary>The audiences the profile is a member of, by audience id.</summary>
    [Id(0)] public Dictionary<string, AudienceMembership> Memberships { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Membership changes saved with the state that caused them and not yet recorded by their audience.</summary>
    [Id(1)] public List<MembershipChange> Outbox { get; set; } = [];

    /// <summary>How many membership changes the profile has decided, which numbers its change ids.</summary>
    [Id(2)] public long ChangeCount { get; set; }

    /// <summary>The newest workspace catalog version evaluated; an older cached catalog is never used after it.</summary>
    [Id(3)] public long CatalogVersion { get; set; }

    /// <summary>Events for conditions, oldest first by timestamp.</summary>
    [Id(4)] public HistoryEventList History { get; set; } = [];

    /// <summary>The moment the window reminder is registered for; null when none is.</summary>
    [Id(5)] public DateTimeOffset? NextEvaluationAt { get; set; }

    /// <summary>The incremental state of each computed trait, by key.</summary>
    [Id(6)] public Dictionary<string, ComputedTraitState> ComputedTraits { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Each computed trait's value as JSON text at the last evaluation, as the profile API serves it.</summary>
    [Id(7)] public Dictionary<string, string> ComputedValues { get; set; } = new(StringComparer.Ordinal);
}
