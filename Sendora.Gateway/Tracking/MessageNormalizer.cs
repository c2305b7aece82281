using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Sendora.Grains.Ingestion;

namespace Sendora.Gateway.Tracking;

/// <summary>
/// Validates one Segment message and writes its canonical envelope. Every string, key and value is
/// cleaned the same way: NUL characters are removed and unpaired UTF-16 surrogates become U+FFFD,
/// because PostgreSQL and most JSON consumers reject both.
/// </summary>
public sealed partial class MessageNormalizer(IOptions<IngestionOptions> options)
{
    private static readonly HashSet<string> EnvelopeFields =
    [
        "type", "action", "messageId", "userId", "anonymousId", "event", "groupId", "previousId", "traits",
        "properties", "context", "integrations", "timestamp", "originalTimestamp", "sentAt", "receivedAt", "writeKey",
    ];

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private readonly IngestionOptions _options = options.Value;

    /// <summary>
    /// Normalizes <paramref name="item"/>. <paramref name="pathType"/> is the call type that a
    /// single-message path fixes; for batch items it is null and the item's <c>type</c> decides.
    /// </summary>
    public NormalizeResult Normalize(
        JsonElement item,
        int sizeBytes,
        string? pathType,
        in BatchDefaults defaults,
        string sourceId,
        DateTimeOffset receivedAt)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            return NormalizeResult.Rejected(
                new IngestionError("invalid_message", $"A message must be a JSON object, got {Describe(item)}."));
        }

        if (sizeBytes > _options.MaxMessageBytes)
        {
            return NormalizeResult.Rejected(IngestionError.MessageTooLarge(sizeBytes, _options.MaxMessageBytes));
        }

        var (depth, deepField) = MeasureDepth(item);
        if (depth > _options.MaxNestingDepth)
        {
            return NormalizeResult.Rejected(new IngestionError("too_deep",
                $"\"{deepField}\" nests {depth} levels deep; the limit is {_options.MaxNestingDepth} levels per message."));
        }

        var type = pathType ?? ReadType(item);
        if (type is null)
        {
            var got = item.TryFindProperty("type", out var t)
                ? t.ValueKind == JsonValueKind.String ? $"\"{ReadString(t)}\"" : Describe(t)
                : "nothing";
            return NormalizeResult.Rejected(new IngestionError("invalid_type",
                $"\"type\" must be one of {string.Join(", ", MessageTypes.All)}, got {got}."));
        }

        var fields = new MessageFields();
        var error = ReadIds(item, type, fields);
        if (error is not null)
        {
            return NormalizeResult.Rejected(error);
        }

        foreach (var name in (ReadOnlySpan<string>)["traits", "properties", "context", "integrations"])
        {
            if (item.TryFindProperty(name, out var value) && value.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            {
                return NormalizeResult.Rejected(IngestionError.InvalidField(name, "an object", Describe(value)));
            }
        }

        var warnings = new List<Warning>();
        var (timestamp, originalTimestamp, sentAt) = ComputeTimestamps(item, defaults, receivedAt, warnings);
        var traitsJson = type is MessageTypes.Identify or MessageTypes.Group ? WriteObject(item, "traits") : null;
        var json = WriteEnvelope(item, type, fields, defaults, traitsJson, timestamp, originalTimestamp, sentAt, receivedAt, warnings);

        var message = new TrackedMessage
        {
            Type = type,
            MessageId = fields.MessageId!,
            UserId = fields.UserId,
            AnonymousId = fields.AnonymousId,
            Name = fields.Name,
            GroupId = fields.GroupId,
            PreviousId = fields.PreviousId,
            Timestamp = timestamp,
            ReceivedAt = receivedAt,
            TraitsJson = traitsJson,
            SourceId = sourceId,
            Json = json,
        };
        return new NormalizeResult(message, ExternalIdExtractor.Extract(item, type, fields.UserId, fields.AnonymousId), null);
    }

    private IngestionError? ReadIds(JsonElement item, string type, MessageFields fields)
    {
        var error = ReadId(item, "userId", _options.MaxIdLength, out fields.UserId)
            ?? ReadId(item, "anonymousId", _options.MaxIdLength, out fields.AnonymousId)
            ?? ReadId(item, "groupId", _options.MaxIdLength, out fields.GroupId)
            ?? ReadId(item, "previousId", _options.MaxIdLength, out fields.PreviousId)
            ?? ReadId(item, "messageId", _options.MaxMessageIdLength, out fields.MessageId);
        if (error is not null)
        {
            return error.Code == "id_too_long" && error.Message.StartsWith("\"messageId\"", StringComparison.Ordinal)
                ? error with { Code = "message_id_too_long" }
                : error;
        }

        fields.MessageId ??= Guid.NewGuid().ToString();
        if (fields.UserId is null && fields.AnonymousId is null)
        {
            // Checked before the alias rules so that every call type without an id gets the same code.
            return new IngestionError("missing_identity",
                "A message needs a \"userId\" or an \"anonymousId\"; both are missing, null or blank.");
        }

        if (type == MessageTypes.Alias)
        {
            if (fields.UserId is null)
            {
                return new IngestionError("missing_user_id", "An alias call needs a non-empty \"userId\".");
            }

            if (fields.PreviousId is null)
            {
                return new IngestionError("missing_previous_id", "An alias call needs a non-empty \"previousId\".");
            }
        }

        switch (type)
        {
            case MessageTypes.Track:
                fields.Name = item.TryFindProperty("event", out var name) && name.ValueKind == JsonValueKind.String
                    ? NullIfBlank(ReadString(name))
                    : null;
                return fields.Name is null
                    ? new IngestionError("missing_event", "A track call needs a non-empty \"event\" string.")
                    : null;
            case MessageTypes.Group when fields.GroupId is null:
                return new IngestionError("missing_group_id", "A group call needs a non-empty \"groupId\".");
            case MessageTypes.Page or MessageTypes.Screen:
                fields.Name = item.TryFindProperty("name", out var pageName) && pageName.ValueKind == JsonValueKind.String
                    ? NullIfBlank(ReadString(pageName))
                    : null;
                return null;
            default:
                return null;
        }
    }

    private static IngestionError? ReadId(JsonElement item, string name, int maxLength, out string? value)
    {
        value = null;
        if (!item.TryFindProperty(name, out var element))
        {
            return null;
        }

        if (!TryReadId(element, out value))
        {
            return IngestionError.InvalidField(name, "a string or a number", Describe(element));
        }

        // Lengths are UTF-16 code units, as JavaScript counts a string's length, so a character outside the Basic
        // Multilingual Plane, such as an emoji, counts as two.
        if (value is not null && value.Length > maxLength)
        {
            var length = value.Length;
            var characters = value.EnumerateRunes().Count();
            value = null;
            var measured = characters == length
                ? $"{length} characters"
                : $"{length} UTF-16 code units ({characters} characters, some of which count as two)";
            return new IngestionError("id_too_long",
                $"\"{name}\" is {measured} long; the limit is {maxLength} UTF-16 code units.");
        }

        return null;
    }

    /// <summary>
    /// Reads an id as the tracking API stores it: a string cleaned by <see cref="Clean"/>, or null when it is blank or
    /// the JSON null, and a number as its JSON text, so that <c>42</c> becomes "42" and <c>4.2e1</c> stays "4.2e1".
    /// Returns false for any other JSON type.
    /// </summary>
    internal static bool TryReadId(JsonElement element, out string? id)
    {
        id = element.ValueKind switch
        {
            JsonValueKind.String => NullIfBlank(ReadString(element)),
            JsonValueKind.Number => element.GetRawText(),
            _ => null,
        };
        return element.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null;
    }

    private static string? ReadType(JsonElement item)
    {
        // Older Segment spec pages name the call type "action"; it counts only when "type" is absent.
        if (item.TryFindProperty("type", out var type))
        {
            return type.ValueKind == JsonValueKind.String ? MessageTypes.Normalize(ReadString(type)) : null;
        }

        return item.TryFindProperty("action", out var action) && action.ValueKind == JsonValueKind.String
            ? MessageTypes.Normalize(ReadString(action))
            : null;
    }

    private static (DateTimeOffset Timestamp, DateTimeOffset Original, DateTimeOffset? SentAt) ComputeTimestamps(
        JsonElement item, in BatchDefaults defaults, DateTimeOffset receivedAt, List<Warning> warnings)
    {
        var original = ParseTimestamp(item, "originalTimestamp", null, warnings)
            ?? ParseTimestamp(item, "timestamp", null, warnings);
        var sentAt = ParseTimestamp(item, "sentAt", defaults.SentAt, warnings);
        if (original is null)
        {
            return (receivedAt, receivedAt, sentAt);
        }

        // Segment's clock-skew correction: the time between the call and the send, measured on the
        // client's clock, is taken back from the server's receive time.
        var timestamp = sentAt is { } sent ? CorrectSkew(receivedAt, sent, original.Value) : original.Value;
        if (timestamp > receivedAt)
        {
            warnings.Add(new Warning("timestamp_in_future", "timestamp", TimestampParser.Format(timestamp)));
            timestamp = receivedAt;
        }

        return (timestamp, original.Value, sentAt);
    }

    /// <summary>
    /// Returns <c>receivedAt - (sentAt - originalTimestamp)</c>, held within the range of
    /// <see cref="DateTimeOffset"/>, which a client clock thousands of years off would leave.
    /// </summary>
    private static DateTimeOffset CorrectSkew(DateTimeOffset receivedAt, DateTimeOffset sentAt, DateTimeOffset original)
    {
        // Each term is below 3.2e18 ticks, so the sum cannot overflow a long.
        var ticks = receivedAt.UtcTicks - sentAt.UtcTicks + original.UtcTicks;
        return new DateTimeOffset(
            Math.Clamp(ticks, DateTimeOffset.MinValue.UtcTicks, DateTimeOffset.MaxValue.UtcTicks), TimeSpan.Zero);
    }

    private static DateTimeOffset? ParseTimestamp(
        JsonElement item, string field, JsonElement? fallback, List<Warning> warnings)
    {
        JsonElement element;
        if (item.TryFindProperty(field, out var own) && own.ValueKind != JsonValueKind.Null)
        {
            element = own;
        }
        else if (fallback is { } batchValue)
        {
            element = batchValue;
        }
        else
        {
            return null;
        }

        var text = element.ValueKind == JsonValueKind.String ? ReadString(element) : element.GetRawText();
        if (element.ValueKind == JsonValueKind.String && TimestampParser.TryParse(text, out var value, out var hasZone))
        {
            if (!hasZone)
            {
                warnings.Add(new Warning("timestamp_without_zone", field, text));
            }

            return value;
        }

        warnings.Add(new Warning("timestamp_unparseable", field, text));
        return null;
    }

    private static string? WriteObject(JsonElement item, string name)
    {
        if (!item.TryFindProperty(name, out var value) || value.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            WriteValue(writer, value);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static string WriteEnvelope(
        JsonElement item,
        string type,
        MessageFields fields,
        in BatchDefaults defaults,
        string? traitsJson,
        DateTimeOffset timestamp,
        DateTimeOffset originalTimestamp,
        DateTimeOffset? sentAt,
        DateTimeOffset receivedAt,
        List<Warning> warnings)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteString("messageId", fields.MessageId);
            WriteIfSet(writer, "userId", fields.UserId);
            WriteIfSet(writer, "anonymousId", fields.AnonymousId);
            if (type == MessageTypes.Track)
            {
                writer.WriteString("event", fields.Name);
            }

            WriteIfSet(writer, "groupId", fields.GroupId);
            WriteIfSet(writer, "previousId", fields.PreviousId);
            if (traitsJson is not null)
            {
                writer.WritePropertyName("traits");
                writer.WriteRawValue(traitsJson, skipInputValidation: true);
            }
            else if (item.TryFindProperty("traits", out var traits) && traits.ValueKind == JsonValueKind.Object)
            {
                writer.WritePropertyName("traits");
                WriteValue(writer, traits);
            }

            WriteObjectOrDefault(writer, item, "properties", null, emptyWhenMissing: type is MessageTypes.Track
                or MessageTypes.Page or MessageTypes.Screen);
            WriteObjectOrDefault(writer, item, "context", defaults.Context, emptyWhenMissing: true);
            WriteObjectOrDefault(writer, item, "integrations", defaults.Integrations, emptyWhenMissing: false);
            writer.WriteString("timestamp", TimestampParser.Format(timestamp));
            writer.WriteString("originalTimestamp", TimestampParser.Format(originalTimestamp));
            if (sentAt is { } sent)
            {
                writer.WriteString("sentAt", TimestampParser.Format(sent));
            }

            writer.WriteString("receivedAt", TimestampParser.Format(receivedAt));
            WritePassThrough(writer, item);
            WriteWarnings(writer, warnings);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteObjectOrDefault(
        Utf8JsonWriter writer, JsonElement item, string name, JsonElement? fallback, bool emptyWhenMissing)
    {
        var value = item.TryFindProperty(name, out var own) && own.ValueKind == JsonValueKind.Object
            ? own
            : fallback is { ValueKind: JsonValueKind.Object } batchValue ? batchValue : (JsonElement?)null;
        if (value is { } present)
        {
            writer.WritePropertyName(name);
            WriteValue(writer, present);
        }
        else if (emptyWhenMissing)
        {
            writer.WriteStartObject(name);
            writer.WriteEndObject();
        }
    }

    private static void WritePassThrough(Utf8JsonWriter writer, JsonElement item)
    {
        HashSet<string>? written = null;
        foreach (var property in item.EnumerateObject())
        {
            var name = ReadName(property);
            if (EnvelopeFields.Contains(name) || name == "_sendora")
            {
                continue;
            }

            // A key repeated in the source object is written once, with its first value.
            written ??= new HashSet<string>(StringComparer.Ordinal);
            if (!written.Add(name))
            {
                continue;
            }

            writer.WritePropertyName(name);
            WriteValue(writer, property.Value);
        }
    }

    private static void WriteWarnings(Utf8JsonWriter writer, List<Warning> warnings)
    {
        if (warnings.Count == 0)
        {
            return;
        }

        writer.WriteStartObject("_sendora");
        writer.WriteStartArray("warnings");
        foreach (var warning in warnings)
        {
            writer.WriteStartObject();
            writer.WriteString("code", warning.Code);
            writer.WriteString("field", warning.Field);
            writer.WriteString("value", warning.Value);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteValue(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject())
                {
                    writer.WritePropertyName(ReadName(property));
                    WriteValue(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var value in element.EnumerateArray())
                {
                    WriteValue(writer, value);
                }

                writer.WriteEndArray();
                break;
            case JsonValueKind.String:
                writer.WriteStringValue(ReadString(element));
                break;
            case JsonValueKind.Number:
                writer.WriteRawValue(element.GetRawText(), skipInputValidation: true);
                break;
            case JsonValueKind.True:
                writer.WriteBooleanValue(true);
                break;
            case JsonValueKind.False:
                writer.WriteBooleanValue(false);
                break;
            default:
                writer.WriteNullValue();
                break;
        }
    }

    private static (int Depth, string Field) MeasureDepth(JsonElement item)
    {
        var deepest = 1;
        var field = string.Empty;
        foreach (var property in item.EnumerateObject())
        {
            var depth = 1 + Depth(property.Value);
            if (depth > deepest)
            {
                deepest = depth;
                field = ReadName(property);
            }
        }

        return (deepest, field);
    }

    private static int Depth(JsonElement element)
    {
        var deepest = 0;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    deepest = Math.Max(deepest, Depth(property.Value));
                }

                return deepest + 1;
            case JsonValueKind.Array:
                foreach (var value in element.EnumerateArray())
                {
                    deepest = Math.Max(deepest, Depth(value));
                }

                return deepest + 1;
            default:
                return 0;
        }
    }

    internal static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    private static string? NullIfBlank(string value) => string.IsNullOrWhiteSpace(value) ? null : value;

    private sealed class MessageFields
    {
        public string? UserId;
        public string? AnonymousId;
        public string? GroupId;
        public string? PreviousId;
        public string? MessageId;
        public string? Name;
    }

    private readonly record struct Warning(string Code, string Field, string Value);
}
