using System.Text;
using System.Text.Json;
using Sendora.Grains.Profiles;
using Sendora.Grains.Sync.EventTables;

namespace Sendora.Grains.Sync;

/// <summary>The rows of one chunk, column by column, as the PostgreSQL statements take them in arrays.</summary>
internal sealed class ChunkRows
{
    public List<string> DeletedProfileIds { get; } = [];

    public List<string> ProfileIds { get; } = [];

    public List<string?> UserIds { get; } = [];

    public List<string> AnonymousIds { get; } = [];

    public List<string> Traits { get; } = [];

    public List<string> ComputedTraits { get; } = [];

    public List<DateTime?> CreatedAt { get; } = [];

    public List<DateTime?> FirstSeen { get; } = [];

    public List<DateTime?> LastSeen { get; } = [];

    public List<string> IdProfileIds { get; } = [];

    public List<string> IdTypes { get; } = [];

    public List<string> IdValues { get; } = [];

    public List<string> IdSources { get; } = [];

    public List<DateTime> IdCreatedAt { get; } = [];

    public List<string> MemberAudienceIds { get; } = [];

    public List<string> MemberProfileIds { get; } = [];

    public List<DateTime> MemberSince { get; } = [];

    public List<string> EventMessageIds { get; } = [];

    public List<string> EventProfileIds { get; } = [];

    public List<string> EventTypes { get; } = [];

    public List<string?> EventNames { get; } = [];

    public List<DateTime> EventTimestamps { get; } = [];

    public List<DateTime?> EventReceivedAt { get; } = [];

    public List<string> EventSources { get; } = [];

    public List<string?> EventProperties { get; } = [];

    public List<string> EventMessages { get; } = [];

    /// <summary>The track events with a name, in the order of the records and of each profile's events.</summary>
    public List<TrackEventRecord> TrackEvents { get; } = [];

    /// <summary>Splits records into rows. A profile id listed twice keeps its last record, an event id its last profile.</summary>
    public static ChunkRows From(IReadOnlyList<ProfileSyncRecord> records)
    {
        var rows = new ChunkRows();
        var latest = new Dictionary<string, ProfileSyncRecord>(StringComparer.Ordinal);
        foreach (var record in records)
        {
            latest[record.ProfileId] = record;
        }

        var events = new Dictionary<string, (string ProfileId, StoredEvent Event)>(StringComparer.Ordinal);
        foreach (var record in latest.Values)
        {
            if (!record.Exists)
            {
                rows.DeletedProfileIds.Add(record.ProfileId);
                continue;
            }

            rows.AddProfile(record);
            foreach (var stored in record.Events)
            {
                events[stored.MessageId] = (record.ProfileId, stored);
            }
        }

        foreach (var (profileId, stored) in events.Values)
        {
            rows.AddEvent(profileId, stored);
        }

        return rows;
    }

    private void AddProfile(ProfileSyncRecord record)
    {
        ProfileIds.Add(record.ProfileId);
        UserIds.Add(record.ExternalIds.FirstOrDefault(e => e.Type == "user_id")?.Id);
        AnonymousIds.Add(JsonSerializer.Serialize(record.ExternalIds.Where(e => e.Type == "anonymous_id").Select(e => e.Id)));
        Traits.Add(ObjectOf(record.Traits));
        ComputedTraits.Add(ObjectOf(record.ComputedTraits));
        CreatedAt.Add(record.CreatedAt?.UtcDateTime);
        FirstSeen.Add(record.FirstSeen?.UtcDateTime);
        LastSeen.Add(record.LastSeen?.UtcDateTime);

        foreach (var id in record.ExternalIds.DistinctBy(e => (e.Type, e.Id)))
        {
            IdProfileIds.Add(record.ProfileId);
            IdTypes.Add(id.Type);
            IdValues.Add(id.Id);
            IdSources.Add(id.SourceId);
            IdCreatedAt.Add(id.CreatedAt.UtcDateTime);
        }

        foreach (var (audienceId, since) in record.Memberships)
        {
            MemberAudienceIds.Add(audienceId);
            MemberProfileIds.Add(record.ProfileId);
            MemberSince.Add(since.UtcDateTime);
        }
    }

    private void AddEvent(string profileId, StoredEvent stored)
    {
        var json = WithoutNullCharacters(stored.Json);
        using var message = JsonDocument.Parse(json);
        var root = message.RootElement;
        var type = StringOf(root, "type") ?? "track";
        var name = type == "track" ? StringOf(root, "event") : StringOf(root, "name");
        EventMessageIds.Add(stored.MessageId);
        EventProfileIds.Add(profileId);
        EventTypes.Add(type);
        EventNames.Add(name);
        EventTimestamps.Add(stored.Timestamp.UtcDateTime);
        EventReceivedAt.Add(StringOf(root, "receivedAt") is { } received
            && DateTimeOffset.TryParse(received, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var at)
            ? at.UtcDateTime
            : null);
        EventSources.Add(stored.SourceId);
        var properties = root.TryGetProperty("properties", out var value) && value.ValueKind == JsonValueKind.Object
            ? value.GetRawText()
            : null;
        EventProperties.Add(properties);
        EventMessages.Add(json);
        if (type == "track" && !string.IsNullOrEmpty(name))
        {
            TrackEvents.Add(new TrackEventRecord(stored.MessageId, profileId, name, stored.Timestamp.UtcDateTime, properties));
        }
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    /// <summary>Builds a JSON object from values that are JSON text, keys in ordinal order.</summary>
    private static string ObjectOf(IReadOnlyDictionary<string, string> values)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, json) in values.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                writer.WritePropertyName(key);
                writer.WriteRawValue(WithoutNullCharacters(json));
            }

            writer.WriteEndObject();
        }

        return WithoutNullCharacters(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    // PostgreSQL's jsonb rejects the escaped NUL character, which JSON allows, so it becomes U+FFFD.
    private static string WithoutNullCharacters(string json) =>
        json.Contains("\\u0000", StringComparison.Ordinal) ? json.Replace("\\u0000", "\\ufffd", StringComparison.Ordinal) : json;
}
