using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Orleans.Persistence.Redis;
using Orleans.Storage;
using Sendora.Grains.Profiles;
using StackExchange.Redis;

namespace Sendora.Silo.Hosting;

/// <summary>
/// Keeps a profile's recent events apart from the rest of its state, one entry of a Redis list per event, so that a
/// write sends only the events added since the activation's last write or read.
/// </summary>
/// <remarks>
/// A profile of 10 traits and 20 events serializes to about 9 KB, of which its recent events take about 7 KB, and every
/// message wrote it whole. What Redis spends on a write grows with its bytes: its Lua hashes each string passed to a
/// script, and the append-only file takes them all. The list lives under the state's key followed by <c>/events</c>.
/// The hash gets a third field, <c>events</c>, which names the format of the list's entries and tells such a state
/// apart from one written with its events inside <c>data</c>, which is still read. One script checks the etag and then
/// writes both keys, so that a second activation of the profile can change neither.
/// </remarks>
public sealed partial class RedisStateStorage
{
    private const string EventsFormat = "1";

    // ARGV: the expected etag, the new etag, the state without its events ('' to clear it), how many entries to take
    // from the head of the list (-1: delete the list), then the entries to append. Lua's unpack has a limit of a few
    // thousand values, so the entries go in groups of 100.
    private const string ProfileWriteScript = """
        local etag = redis.call('HGET', KEYS[1], 'etag')
        if not (((not etag or etag == '') and ARGV[1] == '') or etag == ARGV[1]) then
          return -1
        end
        local drop = tonumber(ARGV[4])
        if drop < 0 then
          redis.call('DEL', KEYS[2])
        elseif drop > 0 then
          redis.call('LTRIM', KEYS[2], drop, -1)
        end
        for i = 5, #ARGV, 100 do
          redis.call('RPUSH', KEYS[2], unpack(ARGV, i, math.min(i + 99, #ARGV)))
        end
        if ARGV[3] == '' then
          redis.call('HSET', KEYS[1], 'etag', ARGV[2], 'data', '')
          redis.call('HDEL', KEYS[1], 'events')
        else
          redis.call('HSET', KEYS[1], 'etag', ARGV[2], 'data', ARGV[3], 'events', '
        """ + EventsFormat + """
        ')
        end
        return 0
        """;

    // Reads the hash and the list at one point in time, so that a read never pairs a state with another write's events.
    private const string ProfileReadScript = """
        return { redis.call('HGETALL', KEYS[1]), redis.call('LRANGE', KEYS[2], 0, -1) }
        """;

    private static readonly byte[] ProfileWriteScriptHash = SHA1.HashData(Encoding.UTF8.GetBytes(ProfileWriteScript));

    private static readonly byte[] ProfileReadScriptHash = SHA1.HashData(Encoding.UTF8.GetBytes(ProfileReadScript));

    private static readonly RedisValue EventsField = "events";

    private static readonly RedisKey EventsKeySuffix = "/events";

    private static readonly RedisValue DeleteList = -1;

    // Stands in for a profile's events while the rest of its state is serialized. Never changed.
    private static readonly RecentEventList NoEvents = [];

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_eventBuffer;

    /// <summary>Returns the key of the list of the recent events of the profile state under <paramref name="stateKey"/>.</summary>
    public static RedisKey EventsKeyOf(RedisKey stateKey) => stateKey.Append(EventsKeySuffix);

    private async Task ReadProfileAsync(string stateName, GrainId grainId, IGrainState<ProfileState> grainState)
    {
        var key = KeyOf(stateName, grainId);
        RedisValue[] fields;
        RedisValue[] entries;
        try
        {
            var result = await EvaluateAsync(
                DatabaseOf(grainId), ProfileReadScript, ProfileReadScriptHash, [key, EventsKeyOf(key)], []);
            var parts = (RedisResult[])result!;
            fields = (RedisValue[])parts[0]!;
            entries = (RedisValue[])parts[1]!;
        }
        catch (Exception exception)
        {
            LogReadFailed(exception, grainId, stateName);
            throw new RedisStorageException($"Failed to read the state {stateName} of grain {grainId}: {exception.Message}", exception);
        }

        // HGETALL answers names and values in turn.
        string? etag = null;
        ReadOnlyMemory<byte> data = default;
        string? format = null;
        var known = fields.Length is 4 or 6;
        for (var i = 0; known && i + 1 < fields.Length; i += 2)
        {
            if (fields[i] == EtagField)
            {
                etag = fields[i + 1];
            }
            else if (fields[i] == DataField)
            {
                data = fields[i + 1];
            }
            else if (fields[i] == EventsField && fields.Length == 6)
            {
                format = fields[i + 1];
            }
            else
            {
                known = false;
            }
        }

        if (!known)
        {
            etag = null;
            data = default;
            format = null;
        }

        if (!Deserialize(stateName, grainId, grainState, etag, data) || format is null)
        {
            return;
        }

        var events = ReadEvents(stateName, grainId, format, entries);
        grainState.State!.RecentEvents = events;
        events.StoredApart = [.. events];
    }

    private RecentEventList ReadEvents(string stateName, GrainId grainId, string format, RedisValue[] entries)
    {
        if (format != EventsFormat)
        {
            var exception = new InvalidDataException($"its events are stored in format {format}; this build reads format {EventsFormat}");
            LogReadFailed(exception, grainId, stateName);
            throw new RedisStorageException(
                $"Failed to read the state {stateName} of grain {grainId}: {exception.Message}", exception);
        }

        var events = new RecentEventList { Capacity = entries.Length };
        try
        {
            foreach (var entry in entries)
            {
                events.Add(RecentEventListCodec.ReadAlone(((ReadOnlyMemory<byte>)entry).Span));
            }
        }
        catch (Exception exception)
        {
            LogReadFailed(exception, grainId, stateName);
            throw new RedisStorageException(
                $"Failed to read the state {stateName} of grain {grainId}: a stored event is invalid ({exception.Message})", exception);
        }

        return events;
    }

    // The events already at the head of the list stay there and the rest are sent. When the list's contents are not
    // known, it is written again whole.
    private async Task WriteProfileAsync(string stateName, GrainId grainId, IGrainState<ProfileState> grainState)
    {
        var key = KeyOf(stateName, grainId);
        var etag = Guid.NewGuid().ToString("N");
        var state = grainState.State ?? throw new ArgumentException("A profile state to write is null.", nameof(grainState));
        var events = state.RecentEvents;
        var stored = events.StoredApart;
        events.StoredApart = null;
        var kept = stored is null ? 0 : CountKept(stored, events);

        ReadOnlyMemory<byte> data;
        byte[]? lent;
        state.RecentEvents = NoEvents;
        try
        {
            data = _serializer.SerializePooled(state, _stateBuffers, out lent);
        }
        finally
        {
            state.RecentEvents = events;
        }

        var values = new RedisValue[4 + events.Count - kept];
        values[0] = grainState.ETag ?? "";
        values[1] = etag;
        values[2] = data;
        values[3] = stored is null ? DeleteList : stored.Length - kept;
        for (var i = kept; i < events.Count; i++)
        {
            values[4 + i - kept] = Encode(events[i]);
        }

        // Taken before the first await: calls that interleave with the write may add events it does not contain.
        StoredEvent[] written = [.. events];
        await SetAsync(grainId, stateName, [key, EventsKeyOf(key)], values, ProfileWriteScript, ProfileWriteScriptHash, nameof(WriteStateAsync));
        if (lent is not null)
        {
            _stateBuffers.Return(lent);
        }

        events.StoredApart = written;
        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    private async Task ClearProfileAsync(string stateName, GrainId grainId, IGrainState<ProfileState> grainState)
    {
        var key = KeyOf(stateName, grainId);
        var etag = Guid.NewGuid().ToString("N");
        await SetAsync(
            grainId, stateName, [key, EventsKeyOf(key)], [grainState.ETag ?? "", etag, NoData, DeleteList],
            ProfileWriteScript, ProfileWriteScriptHash, nameof(ClearStateAsync));
        grainState.ETag = etag;
        grainState.State = _activators.GetActivator<ProfileState>().Create();
        grainState.RecordExists = false;
    }

    /// <summary>
    /// Returns how many of the list's first events are, in order, the last of those in storage, or 0 when the list
    /// does not go on from them, as after an event was inserted before others or replaced.
    /// </summary>
    private static int CountKept(StoredEvent[] stored, List<StoredEvent> events)
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

    private static byte[] Encode(StoredEvent item)
    {
        var buffer = t_eventBuffer ?? new ArrayBufferWriter<byte>(1_024);
        t_eventBuffer = null;
        try
        {
            RecentEventListCodec.WriteAlone(buffer, item);
            return buffer.WrittenSpan.ToArray();
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
    }
}
