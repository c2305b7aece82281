using Sendora.Grains.Audiences;
using Sendora.Grains.Audiences.ComputedTraits;

namespace Sendora.Grains.Profiles;

/// <summary>One audience a profile is a member of: since when, and the audience version that decided it.</summary>
[GenerateSerializer, Immutable, Alias("sendora.AudienceMembership")]
public sealed record AudienceMembership(
    [property: Id(0)] DateTimeOffset Since,
    [property: Id(1)] int Version);

/// <summary>One event kept for audience conditions and computed traits, with its properties as JSON text.</summary>
[GenerateSerializer, Immutable, Alias("sendora.HistoryEvent")]
public sealed record HistoryEvent(
    [property: Id(0)] string MessageId,
    [property: Id(1)] string Type,
    [property: Id(2)] string Name,
    [property: Id(3)] DateTimeOffset Timestamp,
    [property: Id(4)] string PropertiesJson);

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
    [Id(4)] public List<HistoryEvent> History { get; set; } = [];

    /// <summary>The moment the window reminder is registered for; null when none is.</summary>
    [Id(5)] public DateTimeOffset? NextEvaluationAt { get; set; }

    /// <summary>The incremental state of each computed trait, by key.</summary>
    [Id(6)] public Dictionary<string, ComputedTraitState> ComputedTraits { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Each computed trait's value as JSON text at the last evaluation, as the profile API serves it.</summary>
    [Id(7)] public Dictionary<string, string> ComputedValues { get; set; } = new(StringComparer.Ordinal);
}
