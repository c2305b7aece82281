using System.Buffers;
using Orleans.Serialization.Codecs;

namespace Sendora.Grains.Profiles;

/// <summary>The events a profile keeps for audience conditions, which storage writes with <see cref="HistoryEventListCodec"/>.</summary>
[Alias("sendora.HistoryEventList")]
public sealed class HistoryEventList : List<HistoryEvent>, IEventListStoredApart<HistoryEvent>
{
    public HistoryEvent[]? StoredApart { get; set; }

    public long StoredFirstNumber { get; set; }
}

/// <summary>
/// Writes each event as its messageId, type, name, timestamp and properties. Types and names are written once per list.
/// </summary>
[RegisterSerializer]
public sealed class HistoryEventListCodec(IFieldCodec<HistoryEvent> eventCodec)
    : EventListCodec<HistoryEvent, HistoryEventList>(eventCodec)
{
    /// <summary>
    /// Writes one event on its own, in the form of an event of a list that has no event before it, for a storage that
    /// keeps each event apart from the rest of the state.
    /// </summary>
    public static void WriteAlone(ArrayBufferWriter<byte> buffer, HistoryEvent item)
    {
        var blob = new EventBlobWriter(buffer);
        Write(ref blob, item);
    }

    /// <summary>
    /// Reads an event that <see cref="WriteAlone"/> wrote. It shares the type and name of <paramref name="previous"/>,
    /// the event before it in its list, when they are equal, as a list read whole does.
    /// </summary>
    public static HistoryEvent ReadAlone(ReadOnlySpan<byte> data, HistoryEvent? previous)
    {
        var blob = new EventBlobReader(data);
        var item = Read(ref blob, previous);
        if (!blob.AtEnd)
        {
            throw new InvalidDataException($"A stored history event '{item.MessageId}' has bytes after its properties.");
        }

        return item;
    }

    protected override void WriteEvent(ref EventBlobWriter blob, HistoryEvent item, HistoryEvent? previous) =>
        Write(ref blob, item);

    protected override HistoryEvent ReadEvent(ref EventBlobReader blob, HistoryEvent? previous) =>
        Read(ref blob, shareWith: null);

    private static void Write(ref EventBlobWriter blob, HistoryEvent item)
    {
        blob.WriteString(item.MessageId);
        blob.WriteRepeatedString(item.Type);
        blob.WriteRepeatedString(item.Name);
        blob.WriteTimestamp(item.Timestamp);
        blob.WriteBytes(item.Properties.Span);
    }

    private static HistoryEvent Read(ref EventBlobReader blob, HistoryEvent? shareWith)
    {
        // Null strings are read back as null, as Orleans' own format kept them.
        var messageId = blob.ReadString()!;
        var type = blob.ReadRepeatedString()!;
        var name = blob.ReadRepeatedString()!;
        if (shareWith is not null)
        {
            type = string.Equals(type, shareWith.Type, StringComparison.Ordinal) ? shareWith.Type : type;
            name = string.Equals(name, shareWith.Name, StringComparison.Ordinal) ? shareWith.Name : name;
        }

        return new HistoryEvent(messageId, type, name, blob.ReadTimestamp(), blob.ReadBytes());
    }
}

/// <summary>Copies a <see cref="HistoryEventList"/> for Orleans; the events themselves are immutable.</summary>
[RegisterCopier]
public sealed class HistoryEventListCopier : EventListCopier<HistoryEvent, HistoryEventList>;
