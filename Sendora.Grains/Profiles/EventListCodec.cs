using System.Buffers;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Cloning;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.WireProtocol;

namespace Sendora.Grains.Profiles;

/// <summary>
/// Writes a profile's list of events as one length-prefixed field in a format of Sendora's own, and reads that field
/// or a list that Orleans' <see cref="ListCodec{T}"/> wrote before this format existed.
/// </summary>
/// <remarks>
/// Orleans' serializer (10.4) tracks every string, array and list it writes in a table, to write a repeated object
/// once. Past 64 objects that table is a dictionary, which every serialization builds again by doubling. With an
/// entry for each id, envelope and name of up to a hundred events, building it took a fifth of the bytes that the
/// silo allocated in the half-load trace of bench/README.md. In this format the events are not tracked, and the
/// strings that repeat, such as source ids and event names, are written once per list.
/// </remarks>
public abstract class EventListCodec<TEvent, TList>(IFieldCodec<TEvent> eventCodec) : IFieldCodec<TList>
    where TEvent : class
    where TList : List<TEvent>, new()
{
    private const byte FormatVersion = 1;

    private const int InitialCapacity = 4_096;

    // A thread keeps its buffer only up to this size, so that one large list does not stay in memory for good.
    private const int MaxKeptCapacity = 262_144;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    private readonly ListCodec<TEvent> _listCodec = new(eventCodec);

    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, Type? expectedType, TList? value)
        where TBufferWriter : IBufferWriter<byte>
    {
        if (value is null)
        {
            ReferenceCodec.WriteNullReference(ref writer, fieldIdDelta);
            return;
        }

        // Taken from the thread while in use, so that a serialization nested in this one gets a buffer of its own.
        var buffer = t_buffer ?? new ArrayBufferWriter<byte>(InitialCapacity);
        t_buffer = null;
        try
        {
            var blob = new EventBlobWriter(buffer);
            blob.WriteByte(FormatVersion);
            blob.WriteVarUInt((ulong)value.Count);
            TEvent? previous = null;
            foreach (var item in value)
            {
                WriteEvent(ref blob, item, previous);
                previous = item;
            }

            ReferenceCodec.MarkValueField(writer.Session);
            writer.WriteFieldHeader(fieldIdDelta, expectedType, typeof(TList), WireType.LengthPrefixed);
            writer.WriteVarUInt32((uint)buffer.WrittenCount);
            writer.Write(buffer.WrittenSpan);
        }
        finally
        {
            if (buffer.Capacity <= MaxKeptCapacity)
            {
                buffer.ResetWrittenCount();
                t_buffer = buffer;
            }
        }
    }

    public TList ReadValue<TInput>(ref Reader<TInput> reader, Field field)
    {
        if (field.WireType != WireType.LengthPrefixed)
        {
            return _listCodec.ReadValue(ref reader, field) is { } list ? FromList(list) : null!;
        }

        ReferenceCodec.MarkValueField(reader.Session);
        var length = (int)reader.ReadVarUInt32();
        if (reader.TryReadBytes(length, out var contiguous))
        {
            return Decode(contiguous);
        }

        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var span = rented.AsSpan(0, length);
            reader.ReadBytes(span);
            return Decode(span);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Writes one event, given the one before it in the list, or null for the first.</summary>
    protected abstract void WriteEvent(ref EventBlobWriter blob, TEvent item, TEvent? previous);

    /// <summary>Reads one event, given the one read before it, or null for the first.</summary>
    protected abstract TEvent ReadEvent(ref EventBlobReader blob, TEvent? previous);

    private static TList FromList(List<TEvent> list)
    {
        var result = new TList();
        result.AddRange(list);
        return result;
    }

    private TList Decode(ReadOnlySpan<byte> data)
    {
        var blob = new EventBlobReader(data);
        var version = blob.ReadByte();
        if (version != FormatVersion)
        {
            throw new InvalidDataException(
                $"A stored {typeof(TList).Name} has format version {version}; this build reads version {FormatVersion}.");
        }

        var count = blob.ReadLength();
        var result = new TList { Capacity = count };
        TEvent? previous = null;
        for (var i = 0; i < count; i++)
        {
            previous = ReadEvent(ref blob, previous);
            result.Add(previous);
        }

        if (!blob.AtEnd)
        {
            throw new InvalidDataException($"A stored {typeof(TList).Name} of {count} events has bytes after its last event.");
        }

        return result;
    }
}

/// <summary>
/// A list of events that a storage may keep as one entry per event, apart from the rest of the state, so that a write
/// sends only the events added since the last one.
/// </summary>
public interface IEventListStoredApart<TEvent>
{
    /// <summary>
    /// The events, in order, that such a storage last wrote or read for this list, or null when that is not known.
    /// Only that storage sets it; it is not serialized or copied.
    /// </summary>
    TEvent[]? StoredApart { get; set; }

    /// <summary>The number under which storage keeps the first event of <see cref="StoredApart"/>; each next one has the next number.</summary>
    long StoredFirstNumber { get; set; }
}

/// <summary>
/// Keeps the record of <see cref="IEventListStoredApart{TEvent}"/> valid through changes that keep a list's contents:
/// packing an idle profile and replacing an event with an equal copy.
/// </summary>
public static class StoredApartLists
{
    /// <summary>
    /// Returns the number of the first stored event when storage has exactly the list's events, in order, or null when
    /// it has others or that is not known.
    /// </summary>
    public static long? FirstNumberIfStored<TEvent>(List<TEvent> list)
        where TEvent : class
    {
        if (list is not IEventListStoredApart<TEvent> { StoredApart: { } stored } apart || stored.Length != list.Count)
        {
            return null;
        }

        for (var i = 0; i < stored.Length; i++)
        {
            if (!ReferenceEquals(stored[i], list[i]))
            {
                return null;
            }
        }

        return apart.StoredFirstNumber;
    }

    /// <summary>
    /// Records that storage has exactly the list's events, numbered from <paramref name="firstNumber"/>, for a list
    /// deserialized from one that <see cref="FirstNumberIfStored{TEvent}"/> gave that number. Does nothing for null.
    /// </summary>
    public static void MarkStored<TEvent>(List<TEvent> list, long? firstNumber)
        where TEvent : class
    {
        if (firstNumber is { } first && list is IEventListStoredApart<TEvent> apart)
        {
            apart.StoredApart = [.. list];
            apart.StoredFirstNumber = first;
        }
    }

    /// <summary>
    /// Records that the event at <paramref name="index"/>, which storage has, was replaced by an equal copy, so that the
    /// next write does not send it again.
    /// </summary>
    public static void ReplaceStored<TEvent>(List<TEvent> list, int index, TEvent previous, TEvent copy)
        where TEvent : class
    {
        if (list is IEventListStoredApart<TEvent> { StoredApart: { } stored }
            && index < stored.Length
            && ReferenceEquals(stored[index], previous))
        {
            stored[index] = copy;
        }
    }
}

/// <summary>Copies a list of immutable events: the copy is a new list of the same events.</summary>
public abstract class EventListCopier<TEvent, TList> : IDeepCopier<TList>
    where TList : List<TEvent>, new()
{
    public TList? DeepCopy(TList? input, CopyContext context)
    {
        if (input is null)
        {
            return null;
        }

        if (context.TryGetCopy<TList>(input, out var existing))
        {
            return existing;
        }

        var copy = new TList();
        copy.AddRange(input);
        context.RecordCopy(input, copy);
        return copy;
    }
}
