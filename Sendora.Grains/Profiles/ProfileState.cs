using System.Text;
using System.Text.Json.Serialization;

namespace Sendora.Grains.Profiles;

/// <summary>The persisted state of one profile.</summary>
[GenerateSerializer, Alias("sendora.ProfileState")]
public sealed class ProfileState
{
    /// <summary>When the first message of this profile was applied; null until then.</summary>
    [Id(0)] public DateTimeOffset? CreatedAt { get; set; }

    /// <summary>Trait values as JSON text by trait name; a trait sent as null is stored as <c>null</c>.</summary>
    [Id(1)] public Dictionary<string, string> Traits { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The timestamp of the message that last set each trait.</summary>
    [Id(2)] public Dictionary<string, DateTimeOffset> TraitTimestamps { get; set; } = new(StringComparer.Ordinal);

    [Id(3)] public List<ExternalId> ExternalIds { get; set; } = [];

    /// <summary>Counters keyed by <see cref="EventCounter.KeyOf"/>.</summary>
    [Id(4)] public Dictionary<string, EventCounter> Counters { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The newest applied messages, oldest first by timestamp, at most the configured number.</summary>
    [Id(5)] public RecentEventList RecentEvents { get; set; } = [];

    /// <summary>
    /// MessageIds applied within the deduplication window, as states written before <see cref="SeenMessageDigests"/>
    /// kept them. A profile moves them into the digests at its next write, and this list then stays empty.
    /// </summary>
    [Id(6)] public List<SeenMessage> SeenMessages { get; set; } = [];

    /// <summary>The earliest and latest message timestamps applied.</summary>
    [Id(7)] public DateTimeOffset? FirstSeen { get; set; }

    [Id(8)] public DateTimeOffset? LastSeen { get; set; }

    /// <summary>Messages applied over the profile's life.</summary>
    [Id(9)] public long AppliedCount { get; set; }

    /// <summary>Messages dropped because their messageId was already applied within the window.</summary>
    [Id(10)] public long DuplicateCount { get; set; }

    /// <summary>Group ids from group calls, in the order first seen.</summary>
    [Id(11)] public List<string> GroupIds { get; set; } = [];

    /// <summary>The profile this one was merged into; set, it forwards every call there.</summary>
    [Id(12)] public string? MergedInto { get; set; }

    /// <summary>The merges this profile absorbed, oldest first, including those of absorbed profiles.</summary>
    [Id(13)] public List<MergeRecord> Merges { get; set; } = [];

    /// <summary>Merges refused because this profile reached its cap of merges or ids.</summary>
    [Id(14)] public long RefusedMerges { get; set; }

    /// <summary>Audience memberships, the outbox of membership changes and the events conditions read.</summary>
    [Id(15)] public ProfileAudienceState Audiences { get; set; } = new();

    /// <summary>Whether the profile is listed in its workspace's profile index, which backfills walk.</summary>
    [Id(16)] public bool Indexed { get; set; }

    /// <summary>Signals for journeys not yet sent, and the journeys that follow this profile.</summary>
    [Id(17)] public ProfileJourneyState Journeys { get; set; } = new();

    /// <summary>Messages and audience changes not yet handed to the destinations that take them.</summary>
    [Id(18)] public ProfileDestinationState Destinations { get; set; } = new();

    /// <summary>
    /// How many times the state was written, which numbers the profile's entries in its workspace's change log.
    /// </summary>
    [Id(19)] public long ChangeVersion { get; set; }

    /// <summary>
    /// MessageIds applied within the deduplication window, in the order they arrived, packed by
    /// <see cref="SeenMessageIds"/>: 24 bytes each, the arrival time in ticks and a 128-bit digest of the id.
    /// </summary>
    [Id(20)] public MessageDigests SeenMessageDigests { get; set; } = new();

    /// <summary>
    /// When a regulation erased the profile's data; null otherwise. An erased profile applies no message again, so
    /// that a run or a remembered route cannot bring its data back.
    /// </summary>
    [Id(21)] public DateTimeOffset? ErasedAt { get; set; }

    /// <summary>
    /// What an erasure still has to clean up outside this profile: the ids to release, the absorbed profiles to erase
    /// and the groups to leave. It is kept until the eraser confirms, so that an erasure stopped by a crash can finish.
    /// </summary>
    [Id(22)] public EraseResult? PendingErasure { get; set; }

    /// <summary>
    /// Converts the events that a state written before the UTF-8 forms existed contains as UTF-16 text, so that an
    /// activation keeps one compact copy of each. Storage keeps the old form until the next write.
    /// </summary>
    public void CompactLegacyEvents()
    {
        for (var i = 0; i < RecentEvents.Count; i++)
        {
            RecentEvents[i] = RecentEvents[i].Compact();
        }

        var history = Audiences.History;
        for (var i = 0; i < history.Count; i++)
        {
            history[i] = history[i].Compact();
        }
    }
}

/// <summary>One merge: which profile was absorbed, with which ids, when, and which message caused it.</summary>
[GenerateSerializer, Immutable, Alias("sendora.MergeRecord")]
public sealed record MergeRecord(
    [property: Id(0)] DateTimeOffset MergedAt,
    [property: Id(1)] string AbsorbedProfileId,
    [property: Id(2)] IReadOnlyList<string> ExternalIds,
    [property: Id(3)] string? CauseMessageId);

/// <summary>One external id of a profile, in the shape of Segment's Profile API.</summary>
[GenerateSerializer, Immutable, Alias("sendora.ExternalId")]
public sealed record ExternalId(
    [property: Id(0)] string Type,
    [property: Id(1)] string Id,
    [property: Id(2)] string SourceId,
    [property: Id(3)] DateTimeOffset CreatedAt);

/// <summary>How often and when a profile performed one event.</summary>
[GenerateSerializer, Alias("sendora.EventCounter")]
public sealed class EventCounter
{
    [Id(0)] public long Count { get; set; }

    [Id(1)] public DateTimeOffset First { get; set; }

    [Id(2)] public DateTimeOffset Last { get; set; }

    /// <summary>
    /// Returns the counter key of a message: the event name for track, and <c>page:</c> or
    /// <c>screen:</c> followed by the name for page and screen calls.
    /// </summary>
    public static string KeyOf(string type, string? name) =>
        type == "track" ? name ?? string.Empty : string.Concat(type, ":", name ?? string.Empty);
}

/// <summary>
/// One applied message kept in the recent events list. The envelope is kept once, as UTF-8 bytes, which take
/// half the memory of the same ASCII text as a .NET string.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("sendora.StoredEvent")]
public sealed record StoredEvent
{
    /// <summary>Creates an event from its envelope as JSON text, which is stored encoded as UTF-8.</summary>
    public StoredEvent(string messageId, DateTimeOffset timestamp, string sourceId, string json)
        : this(messageId, timestamp, sourceId, Encoding.UTF8.GetBytes(json))
    {
    }

    /// <summary>Creates an event from its envelope as UTF-8 JSON. The array is kept, not copied.</summary>
    public StoredEvent(string messageId, DateTimeOffset timestamp, string sourceId, byte[] utf8Json)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        MessageId = messageId;
        Timestamp = timestamp;
        SourceId = sourceId;
        Utf8Json = utf8Json;
    }

    [Id(0)] public string MessageId { get; init; }

    [Id(1)] public DateTimeOffset Timestamp { get; init; }

    [Id(2)] public string SourceId { get; init; }

    /// <summary>The canonical envelope as JSON text, decoded from <see cref="Utf8Json"/> on each read.</summary>
    public string Json => Utf8Json is { } bytes
        ? Encoding.UTF8.GetString(bytes)
        : LegacyJson ?? throw new InvalidOperationException($"Stored event '{MessageId}' has no envelope.");

    /// <summary>The external ids the message carried, as <c>type:value</c>, so that a split can take its events.</summary>
    [Id(4)] public IReadOnlyList<string> ExternalIds { get; init; } = [];

    /// <summary>
    /// The envelope as UTF-16 text, the form stored before <see cref="Utf8Json"/> existed, or null in events created
    /// since. <see cref="Compact"/> moves it into <see cref="Utf8Json"/>.
    /// </summary>
    [Id(3), JsonIgnore] public string? LegacyJson { get; init; }

    /// <summary>The canonical envelope as UTF-8 JSON, or null in an event stored in the legacy form.</summary>
    [Id(5), JsonIgnore] public byte[]? Utf8Json { get; init; }

    /// <summary>The envelope as UTF-8 JSON, whichever form the event was stored in.</summary>
    [JsonIgnore]
    public ReadOnlyMemory<byte> Envelope => Utf8Json ?? Compact().Utf8Json!;

    /// <summary>The length of the envelope in UTF-8 bytes, which is what storage writes.</summary>
    [JsonIgnore]
    public int EnvelopeLength => Utf8Json?.Length ?? Encoding.UTF8.GetByteCount(Json);

    /// <summary>Returns this event with a legacy envelope converted to UTF-8, or this event when it has none.</summary>
    public StoredEvent Compact() => LegacyJson is { } json && Utf8Json is null
        ? this with { Utf8Json = Encoding.UTF8.GetBytes(json), LegacyJson = null }
        : this;
}

/// <summary>A messageId and when the gateway received it, for deduplication.</summary>
[GenerateSerializer, Immutable, Alias("sendora.SeenMessage")]
public sealed record SeenMessage(
    [property: Id(0)] string MessageId,
    [property: Id(1)] DateTimeOffset ReceivedAt);
