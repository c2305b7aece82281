using Orleans.Serialization.Codecs;

namespace Sendora.Grains.Profiles;

/// <summary>The events a profile keeps for audience conditions, which storage writes with <see cref="HistoryEventListCodec"/>.</summary>
[Alias("sendora.HistoryEventList")]
public sealed class HistoryEventList : List<HistoryEvent>;

/// <summary>
/// Writes each event as its messageId, type, name, timestamp and properties. Types and names are written once per list.
/// </summary>
[RegisterSerializer]
public sealed class HistoryEventListCodec(IFieldCodec<HistoryEvent> eventCodec)
    : EventListCodec<HistoryEvent, HistoryEventList>(eventCodec)
{
    protected override void WriteEvent(ref EventBlobWriter blob, HistoryEvent item, HistoryEvent? previous)
    {
        blob.WriteString(item.MessageId);
        blob.WriteRepeatedString(item.Type);
        blob.WriteRepeatedString(item.Name);
        blob.WriteTimestamp(item.Timestamp);
        blob.WriteBytes(item.Properties.Span);
    }

    protected override HistoryEvent ReadEvent(ref EventBlobReader blob, HistoryEvent? previous)
    {
        // Null strings are read back as null, as Orleans' own format kept them.
        var messageId = blob.ReadString()!;
        var type = blob.ReadRepeatedString()!;
        var name = blob.ReadRepeatedString()!;
        return new HistoryEvent(messageId, type, name, blob.ReadTimestamp(), blob.ReadBytes());
    }
}

/// <summary>Copies a <see cref="HistoryEventList"/> for Orleans; the events themselves are immutable.</summary>
[RegisterCopier]
public sealed class HistoryEventListCopier : EventListCopier<HistoryEvent, HistoryEventList>;
