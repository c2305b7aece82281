using System.Buffers;
using Orleans.Serialization.Codecs;

namespace Sendora.Grains.Profiles;

/// <summary>A profile's recent events, which storage writes with <see cref="RecentEventListCodec"/>.</summary>
[Alias("sendora.RecentEventList")]
public sealed class RecentEventList : List<StoredEvent>, IEventListStoredApart<StoredEvent>
{
    public StoredEvent[]? StoredApart { get; set; }

    public long StoredFirstNumber { get; set; }
}

/// <summary>
/// Writes each event as its messageId, timestamp, source id, external ids and envelope. Source ids are written once per
/// list, and external ids equal to the previous event's are written as a flag and read back as one shared list.
/// </summary>
[RegisterSerializer]
public sealed class RecentEventListCodec(IFieldCodec<StoredEvent> eventCodec)
    : EventListCodec<StoredEvent, RecentEventList>(eventCodec)
{
    private static readonly List<string> NoIds = [];

    /// <summary>
    /// Writes one event on its own, in the form of an event of a list that has no event before it, for a storage that
    /// keeps each event apart from the rest of the state.
    /// </summary>
    public static void WriteAlone(ArrayBufferWriter<byte> buffer, StoredEvent item)
    {
        var blob = new EventBlobWriter(buffer);
        Write(ref blob, item, previous: null);
    }

    /// <summary>
    /// Reads an event that <see cref="WriteAlone"/> wrote. It shares the source id and external ids of
    /// <paramref name="previous"/>, the event before it in its list, when they are equal, as a list read whole does.
    /// </summary>
    public static StoredEvent ReadAlone(ReadOnlySpan<byte> data, StoredEvent? previous)
    {
        var blob = new EventBlobReader(data);
        var item = Read(ref blob, previous: null, previous);
        if (!blob.AtEnd)
        {
            throw new InvalidDataException($"A stored event '{item.MessageId}' has bytes after its envelope.");
        }

        return item;
    }

    protected override void WriteEvent(ref EventBlobWriter blob, StoredEvent item, StoredEvent? previous) =>
        Write(ref blob, item, previous);

    protected override StoredEvent ReadEvent(ref EventBlobReader blob, StoredEvent? previous) =>
        Read(ref blob, previous, shareWith: null);

    private static void Write(ref EventBlobWriter blob, StoredEvent item, StoredEvent? previous)
    {
        blob.WriteString(item.MessageId);
        blob.WriteTimestamp(item.Timestamp);
        blob.WriteRepeatedString(item.SourceId);
        var ids = item.ExternalIds;
        if (previous is not null && (ReferenceEquals(ids, previous.ExternalIds) || ids.SequenceEqual(previous.ExternalIds)))
        {
            blob.WriteVarUInt(0);
        }
        else
        {
            blob.WriteVarUInt((ulong)ids.Count + 1);
            foreach (var id in ids)
            {
                blob.WriteString(id);
            }
        }

        blob.WriteBytes(item.Envelope.Span);
    }

    private static StoredEvent Read(ref EventBlobReader blob, StoredEvent? previous, StoredEvent? shareWith)
    {
        // Null strings are read back as null, as Orleans' own format kept them.
        var messageId = blob.ReadString()!;
        var timestamp = blob.ReadTimestamp();
        var sourceId = blob.ReadRepeatedString()!;
        var countPlusOne = blob.ReadVarUInt();
        IReadOnlyList<string> ids;
        if (countPlusOne == 0)
        {
            ids = previous?.ExternalIds
                ?? throw new InvalidDataException("A stored event list is invalid because its first event reuses the external ids of a previous event, which it does not have.");
        }
        else
        {
            var count = blob.ToLength(countPlusOne - 1);
            ids = count == 0 ? NoIds : ReadIds(ref blob, count);
        }

        if (shareWith is not null)
        {
            sourceId = string.Equals(sourceId, shareWith.SourceId, StringComparison.Ordinal) ? shareWith.SourceId : sourceId;
            ids = ids.SequenceEqual(shareWith.ExternalIds) ? shareWith.ExternalIds : ids;
        }

        return new StoredEvent(messageId, timestamp, sourceId, blob.ReadBytes()) { ExternalIds = ids };
    }

    private static List<string> ReadIds(ref EventBlobReader blob, int count)
    {
        var ids = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            ids.Add(blob.ReadString()!);
        }

        return ids;
    }
}

/// <summary>Copies a <see cref="RecentEventList"/> for Orleans; the events themselves are immutable.</summary>
[RegisterCopier]
public sealed class RecentEventListCopier : EventListCopier<StoredEvent, RecentEventList>;
