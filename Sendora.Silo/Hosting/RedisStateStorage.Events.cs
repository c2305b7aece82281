using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Orleans.Persistence.Redis;
using Orleans.Storage;
using Sendora.Grains.Profiles;
using StackExchange.Redis;

namespace Sendora.Silo.Hosting;

/// <summary>
/// Keeps each of a profile's recent events and history events in a field of its own in the state's hash, apart from
/// the rest of the state. A write then sends only the events added since the activation's last write or read.
/// </summary>
/// <remarks>
/// A profile of 10 traits and 20 events serializes to about 9 KB, of which its recent events take about 7 KB and its
/// history, the events that audience conditions read, most of the rest. Every message wrote it whole. What Redis
/// spends on a write grows with its bytes: its Lua hashes each string passed to a script, and the append-only file
/// takes them all. A recent event goes to the field <c>e:N</c> and a history event to <c>h:N</c>, where N numbers the
/// events of each list in order. A third field, <c>events</c>, names the format of those fields. A hash without it has its
/// events inside <c>data</c>, as earlier builds wrote it, and is still read. In the common case one script call
/// checks the etag and sets every field with one <c>HSET</c>, which costs Redis about as much as the write of a state
/// without its events. Lists of their own under other keys cost Redis about 10 µs more per write in redis-benchmark
/// (bench/README.md), in more keys and commands.
/// </remarks>
public sealed partial class RedisStateStorage
{
    private const string FieldsFormat = "1";

    // ARGV: the expected etag, the new etag and the state without its events ('' to clear it). Then '1' to delete
    // every event field first, the count of fields to delete and their names, and last the names and values of the
    // fields to set. Lua's unpack takes a few thousand values at most, so long lists of names go in groups. Most writes
    // set everything in one HSET, which is one command in the append-only file.
    private const string ProfileWriteScript = """
        local etag = redis.call('HGET', KEYS[1], 'etag')
        if not (((not etag or etag == '') and ARGV[1] == '') or etag == ARGV[1]) then
          return -1
        end
        if ARGV[4] == '1' then
          local eventFields = {}
          for _, name in ipairs(redis.call('HKEYS', KEYS[1])) do
            local prefix = string.sub(name, 1, 2)
            if prefix == 'e:' or prefix == 'h:' then
              eventFields[#eventFields + 1] = name
            end
          end
          for i = 1, #eventFields, 100 do
            redis.call('HDEL', KEYS[1], unpack(eventFields, i, math.min(i + 99, #eventFields)))
          end
        end
        local last = 5 + tonumber(ARGV[5])
        for i = 6, last, 100 do
          redis.call('HDEL', KEYS[1], unpack(ARGV, i, math.min(i + 99, last)))
        end
        if ARGV[3] == '' then
          redis.call('HSET', KEYS[1], 'etag', ARGV[2], 'data', '')
          redis.call('HDEL', KEYS[1], 'events')
          return 0
        end
        local first = last + 1
        while #ARGV - first >= 200 do
          redis.call('HSET', KEYS[1], unpack(ARGV, first, first + 199))
          first = first + 200
        end
        redis.call('HSET', KEYS[1], 'etag', ARGV[2], 'data', ARGV[3], 'events', '
        """ + FieldsFormat + """
        ', unpack(ARGV, first, #ARGV))
        return 0
        """;

    private static readonly byte[] ProfileWriteScriptHash = SHA1.HashData(Encoding.UTF8.GetBytes(ProfileWriteScript));

    private static readonly RedisValue FormatField = "events";

    private static readonly RedisValue Yes = "1";

    private static readonly RedisValue No = "0";

    // Empty lists that replace a profile's lists while the rest of its state is serialized. Never changed.
    private static readonly RecentEventList NoEvents = [];
    private static readonly HistoryEventList NoHistory = [];

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_eventBuffer;

    private delegate void EntryWriter<in TEvent>(ArrayBufferWriter<byte> buffer, TEvent item);

    private delegate TEvent EntryReader<TEvent>(ReadOnlySpan<byte> data, TEvent? previous);

    /// <summary>Returns the name of the hash field of a profile's recent event number <paramref name="number"/>.</summary>
    public static string EventField(long number) => string.Concat("e:", number.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>Returns the name of the hash field of a profile's history event number <paramref name="number"/>.</summary>
    public static string HistoryField(long number) => string.Concat("h:", number.ToString(System.Globalization.CultureInfo.InvariantCulture));

    private async Task ReadProfileAsync(string stateName, GrainId grainId, IGrainState<ProfileState> grainState)
    {
        var entries = await ReadHashAsync(stateName, grainId);
        string? etag = null;
        ReadOnlyMemory<byte> data = default;
        string? format = null;
        var events = new List<(long Number, RedisValue Value)>();
        var history = new List<(long Number, RedisValue Value)>();
        var known = true;
        foreach (var entry in entries)
        {
            if (entry.Name == EtagField)
            {
                etag = entry.Value;
            }
            else if (entry.Name == DataField)
            {
                data = entry.Value;
            }
            else if (entry.Name == FormatField)
            {
                format = entry.Value;
            }
            else if (TryReadNumber(entry.Name, (byte)'e', out var number))
            {
                events.Add((number, entry.Value));
            }
            else if (TryReadNumber(entry.Name, (byte)'h', out number))
            {
                history.Add((number, entry.Value));
            }
            else
            {
                known = false;
            }
        }

        // A hash with fields that this storage does not write counts as no state, as for other grains.
        if (!known || (format is null && (events.Count > 0 || history.Count > 0)))
        {
            etag = null;
            data = default;
            format = null;
        }

        if (format is not (null or FieldsFormat))
        {
            var exception = new InvalidDataException(
                $"its events are stored in format {format}, which this build cannot read (it reads format {FieldsFormat}); run the build that wrote them");
            LogReadFailed(exception, grainId, stateName);
            throw new RedisStorageException($"Failed to read the state {stateName} of grain {grainId}: {exception.Message}", exception);
        }

        if (!Deserialize(stateName, grainId, grainState, etag, data) || format is null)
        {
            return;
        }

        var state = grainState.State!;
        state.RecentEvents = ReadList<StoredEvent, RecentEventList>(stateName, grainId, events, RecentEventListCodec.ReadAlone);
        state.Audiences.History = ReadList<HistoryEvent, HistoryEventList>(stateName, grainId, history, HistoryEventListCodec.ReadAlone);
    }

    // Reads "e:N" or "h:N" with N a number of up to 18 digits.
    private static bool TryReadNumber(RedisValue name, byte prefix, out long number)
    {
        number = 0;
        var bytes = ((ReadOnlyMemory<byte>)name).Span;
        return bytes.Length is > 2 and <= 20 && bytes[0] == prefix && bytes[1] == (byte)':'
            && Utf8Parser.TryParse(bytes[2..], out number, out var consumed) && consumed == bytes.Length - 2 && number >= 0;
    }

    private TList ReadList<TEvent, TList>(
        string stateName, GrainId grainId, List<(long Number, RedisValue Value)> fields, EntryReader<TEvent> read)
        where TEvent : class
        where TList : List<TEvent>, IEventListStoredApart<TEvent>, new()
    {
        fields.Sort((a, b) => a.Number.CompareTo(b.Number));
        var list = new TList { Capacity = fields.Count };
        try
        {
            TEvent? previous = null;
            foreach (var field in fields)
            {
                previous = read(((ReadOnlyMemory<byte>)field.Value).Span, previous);
                list.Add(previous);
            }
        }
        catch (Exception exception)
        {
            LogReadFailed(exception, grainId, stateName);
            throw new RedisStorageException(
                $"Failed to read the state {stateName} of grain {grainId}: a stored event is invalid ({exception.Message})", exception);
        }

        // The next write adds numbers after the last one. Numbers with gaps, which this storage does not write, make
        // it write the fields again.
        var first = fields.Count == 0 ? 0 : fields[0].Number;
        if (fields.Count == 0 || fields[^1].Number - first == fields.Count - 1)
        {
            list.StoredApart = [.. list];
            list.StoredFirstNumber = first;
        }

        return list;
    }

    // The events already stored at the head of a list keep their fields and the rest are sent. When what a list has in
    // storage is not known, every event field is deleted and both lists are written again whole.
    private async Task WriteProfileAsync(string stateName, GrainId grainId, IGrainState<ProfileState> grainState)
    {
        var key = KeyOf(stateName, grainId);
        var etag = Guid.NewGuid().ToString("N");
        var state = grainState.State ?? throw new ArgumentException("A profile state to write is null.", nameof(grainState));
        var audiences = state.Audiences;
        var events = state.RecentEvents;
        var history = audiences.History;
        var rewrite = events.StoredApart is null || history.StoredApart is null;
        var eventsPlan = Plan<StoredEvent, RecentEventList>(events, rewrite);
        var historyPlan = Plan<HistoryEvent, HistoryEventList>(history, rewrite);

        ReadOnlyMemory<byte> data;
        byte[]? lent;
        state.RecentEvents = NoEvents;
        audiences.History = NoHistory;
        try
        {
            data = _serializer.SerializePooled(state, _stateBuffers, out lent);
        }
        finally
        {
            state.RecentEvents = events;
            audiences.History = history;
        }

        var dropped = eventsPlan.Dropped + historyPlan.Dropped;
        var values = new RedisValue[5 + dropped + 2 * (events.Count - eventsPlan.Kept + history.Count - historyPlan.Kept)];
        values[0] = grainState.ETag ?? "";
        values[1] = etag;
        values[2] = data;
        values[3] = rewrite ? Yes : No;
        values[4] = dropped;
        var at = 5;
        at = AddDropped(values, at, eventsPlan, EventField);
        at = AddDropped(values, at, historyPlan, HistoryField);
        at = AddEntries(values, at, events, eventsPlan, EventField, RecentEventListCodec.WriteAlone);
        AddEntries(values, at, history, historyPlan, HistoryField, HistoryEventListCodec.WriteAlone);

        // Taken before the first await: calls that interleave with the write may add events it does not contain.
        StoredEvent[] eventsWritten = [.. events];
        HistoryEvent[] historyWritten = [.. history];
        await SetAsync(grainId, stateName, [key], values, ProfileWriteScript, ProfileWriteScriptHash, nameof(WriteStateAsync));
        if (lent is not null)
        {
            _stateBuffers.Return(lent);
        }

        events.StoredApart = eventsWritten;
        events.StoredFirstNumber = eventsPlan.FirstNumber + eventsPlan.Dropped;
        history.StoredApart = historyWritten;
        history.StoredFirstNumber = historyPlan.FirstNumber + historyPlan.Dropped;
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    private async Task ClearProfileAsync(string stateName, GrainId grainId, IGrainState<ProfileState> grainState)
    {
        var etag = Guid.NewGuid().ToString("N");
        await SetAsync(
            grainId, stateName, [KeyOf(stateName, grainId)], [grainState.ETag ?? "", etag, NoData, Yes, 0],
            ProfileWriteScript, ProfileWriteScriptHash, nameof(ClearStateAsync));
        grainState.ETag = etag;
        grainState.State = _activators.GetActivator<ProfileState>().Create();
        grainState.RecordExists = false;
    }

    /// <summary>
    /// Decides what a write does with one list: the count of its first events that keep their fields, the numbers of
    /// the fields to delete, and the number of the first event. Forgets what storage contains until the write succeeds.
    /// </summary>
    private static ListPlan Plan<TEvent, TList>(TList events, bool rewrite)
        where TEvent : class
        where TList : List<TEvent>, IEventListStoredApart<TEvent>
    {
        var stored = events.StoredApart;
        var first = events.StoredFirstNumber;
        events.StoredApart = null;
        if (rewrite || stored is null)
        {
            return new ListPlan(Kept: 0, Dropped: 0, FirstNumber: 0);
        }

        var kept = CountKept(stored, events);
        return new ListPlan(kept, stored.Length - kept, first);
    }

    /// <summary>
    /// Returns how many of the list's first events are, in order, the last of those in storage, or 0 when the list
    /// does not go on from them, as after an event was inserted before others or replaced.
    /// </summary>
    private static int CountKept<TEvent>(TEvent[] stored, List<TEvent> events)
        where TEvent : class
    {
        if (events.Count == 0)
        {
            return 0;
        }

        var first = events[0];
        var start = 0;
        while (start < stored.Length && !ReferenceEquals(stored[start], first))
        {
            start++;
        }

        if (start == stored.Length || stored.Length - start > events.Count)
        {
            return 0;
        }

        for (var i = start + 1; i < stored.Length; i++)
        {
            if (!ReferenceEquals(stored[i], events[i - start]))
            {
                return 0;
            }
        }

        return stored.Length - start;
    }

    private static int AddDropped(RedisValue[] values, int at, ListPlan plan, Func<long, string> field)
    {
        for (var i = 0; i < plan.Dropped; i++)
        {
            values[at++] = field(plan.FirstNumber + i);
        }

        return at;
    }

    private static int AddEntries<TEvent>(
        RedisValue[] values, int at, List<TEvent> events, ListPlan plan, Func<long, string> field, EntryWriter<TEvent> write)
    {
        var buffer = t_eventBuffer ?? new ArrayBufferWriter<byte>(1_024);
        t_eventBuffer = null;
        try
        {
            for (var i = plan.Kept; i < events.Count; i++)
            {
                write(buffer, events[i]);
                values[at++] = field(plan.NextNumber + i - plan.Kept);
                values[at++] = buffer.WrittenSpan.ToArray();
                buffer.ResetWrittenCount();
            }
        }
        finally
        {
            // A very large envelope does not keep its buffer on the thread.
            if (buffer.Capacity <= MaxPooledLength)
            {
                buffer.ResetWrittenCount();
                t_eventBuffer = buffer;
            }
        }

        return at;
    }

    /// <param name="Kept">How many of the list's first events keep their fields.</param>
    /// <param name="Dropped">How many fields, from <paramref name="FirstNumber"/> on, are deleted.</param>
    /// <param name="FirstNumber">The number of the first stored event.</param>
    private readonly record struct ListPlan(int Kept, int Dropped, long FirstNumber)
    {
        /// <summary>The number of the first event added, after those that storage has.</summary>
        public long NextNumber => FirstNumber + Dropped + Kept;
    }
}
