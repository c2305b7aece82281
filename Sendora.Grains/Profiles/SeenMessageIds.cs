using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Sendora.Grains.Profiles;

/// <summary>
/// The messageIds a profile applied within its deduplication window, in the order they arrived. Each is kept as a
/// 128-bit digest with its arrival time, 24 bytes in all, in one byte array that the profile state stores as it is,
/// so that a profile that remembers thousands of ids neither keeps nor writes thousands of strings.
/// </summary>
/// <remarks>
/// <para>
/// After a save the state and this object share one array, and the first change after it copies the array, so a
/// profile keeps its ids once in memory. A profile with few ids finds a digest by scanning the array. From
/// <see cref="IndexThreshold"/> ids on, a hash set of the digests finds it instead.
/// </para>
/// <para>
/// Two different messageIds share a digest with a probability of about 2^-128 per pair, far below any rate at which
/// a valid message could be taken for a duplicate.
/// </para>
/// </remarks>
public sealed class SeenMessageIds
{
    private const int EntrySize = 24;

    /// <summary>The count of ids from which a hash set finds a digest. Below it a scan is as fast and needs no set.</summary>
    public const int IndexThreshold = 64;

    private byte[] _packed = [];
    private int _count;
    private bool _shared;
    private bool _changed;
    private HashSet<UInt128>? _index;

    public int Count => _count;

    /// <summary>Reads what a stored state remembers: the packed entries and those of the older list of records.</summary>
    public static SeenMessageIds From(ProfileState state)
    {
        var seen = new SeenMessageIds();
        if (state.SeenMessages.Count == 0 && state.SeenMessageDigests.Length % EntrySize == 0)
        {
            // A stored array contains each digest once and in arrival order, so it is used without a copy.
            seen._packed = state.SeenMessageDigests;
            seen._count = seen._packed.Length / EntrySize;
            seen._shared = true;
            seen.IndexIfLarge();
            return seen;
        }

        seen.AddStored(state);
        return seen;
    }

    public bool Contains(string messageId) => Contains(DigestOf(messageId));

    /// <summary>Adds a messageId; returns false when it is remembered already.</summary>
    public bool Add(string messageId, DateTimeOffset receivedAt) => Add(receivedAt.UtcTicks, DigestOf(messageId));

    /// <summary>
    /// Adds the entries of another profile's state, such as one merged into this one, keeping arrival order. Returns
    /// how many of them were remembered already: messages that both profiles applied.
    /// </summary>
    public int AddStored(ProfileState state)
    {
        var added = 0;
        var total = state.SeenMessages.Count;
        foreach (var seen in state.SeenMessages)
        {
            added += Add(seen.ReceivedAt.UtcTicks, DigestOf(seen.MessageId)) ? 1 : 0;
        }

        var packed = state.SeenMessageDigests;
        for (var offset = 0; offset + EntrySize <= packed.Length; offset += EntrySize)
        {
            added += Add(TicksAt(packed, offset), DigestAt(packed, offset)) ? 1 : 0;
            total++;
        }

        if (added > 0)
        {
            SortByArrival();
        }

        return total - added;
    }

    /// <summary>Forgets ids received before <paramref name="cutoff"/>, and the oldest beyond <paramref name="limit"/> minus one.</summary>
    public void Forget(DateTimeOffset cutoff, int limit)
    {
        var remove = 0;
        while (remove < _count && (TicksAt(_packed, remove * EntrySize) < cutoff.UtcTicks || _count - remove >= limit))
        {
            _index?.Remove(DigestAt(_packed, remove * EntrySize));
            remove++;
        }

        if (remove == 0)
        {
            return;
        }

        var kept = (_count - remove) * EntrySize;
        if (_shared)
        {
            _packed = _packed.AsSpan(remove * EntrySize, kept).ToArray();
            _shared = false;
        }
        else
        {
            _packed.AsSpan(remove * EntrySize, kept).CopyTo(_packed);
        }

        _count -= remove;
        _changed = true;
        if (_count < IndexThreshold / 2)
        {
            _index = null;
        }
    }

    /// <summary>Writes the entries into <paramref name="state"/> when they changed, replacing the older list of records.</summary>
    public void SaveTo(ProfileState state)
    {
        if (!_changed && state.SeenMessages.Count == 0)
        {
            return;
        }

        var length = _count * EntrySize;
        if (_packed.Length != length)
        {
            _packed = _packed.AsSpan(0, length).ToArray();
        }

        state.SeenMessageDigests = _packed;
        state.SeenMessages = [];
        _shared = true;
        _changed = false;
    }

    private bool Contains(UInt128 digest)
    {
        if (_index is not null)
        {
            return _index.Contains(digest);
        }

        for (var offset = 0; offset < _count * EntrySize; offset += EntrySize)
        {
            if (DigestAt(_packed, offset) == digest)
            {
                return true;
            }
        }

        return false;
    }

    private bool Add(long ticks, UInt128 digest)
    {
        if (Contains(digest))
        {
            return false;
        }

        var offset = _count * EntrySize;
        if (_shared || offset + EntrySize > _packed.Length)
        {
            // The first id after a save gets an array of the exact size, which the next save stores without a copy.
            // Later ids get room for a quarter more, so a call that applies many messages copies the array a few times.
            var grown = new byte[(_count + (_shared ? 1 : Math.Max(4, _count / 4))) * EntrySize];
            _packed.AsSpan(0, offset).CopyTo(grown);
            _packed = grown;
            _shared = false;
        }

        BinaryPrimitives.WriteInt64LittleEndian(_packed.AsSpan(offset), ticks);
        BinaryPrimitives.WriteUInt128LittleEndian(_packed.AsSpan(offset + 8), digest);
        _count++;
        _changed = true;
        _index?.Add(digest);
        IndexIfLarge();
        return true;
    }

    private void IndexIfLarge()
    {
        if (_index is not null || _count < IndexThreshold)
        {
            return;
        }

        _index = new HashSet<UInt128>(_count);
        for (var offset = 0; offset < _count * EntrySize; offset += EntrySize)
        {
            _index.Add(DigestAt(_packed, offset));
        }
    }

    private void SortByArrival()
    {
        var entries = new (long Ticks, UInt128 Digest)[_count];
        for (var i = 0; i < _count; i++)
        {
            entries[i] = (TicksAt(_packed, i * EntrySize), DigestAt(_packed, i * EntrySize));
        }

        // A stable sort, so that ids with the same arrival time keep the order they were added in.
        var sorted = entries.OrderBy(e => e.Ticks).ToArray();
        for (var i = 0; i < _count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(_packed.AsSpan(i * EntrySize), sorted[i].Ticks);
            BinaryPrimitives.WriteUInt128LittleEndian(_packed.AsSpan(i * EntrySize + 8), sorted[i].Digest);
        }
    }

    private static long TicksAt(byte[] packed, int offset) => BinaryPrimitives.ReadInt64LittleEndian(packed.AsSpan(offset));

    private static UInt128 DigestAt(byte[] packed, int offset) => BinaryPrimitives.ReadUInt128LittleEndian(packed.AsSpan(offset + 8));

    private static UInt128 DigestOf(string messageId)
    {
        var length = Encoding.UTF8.GetMaxByteCount(messageId.Length);
        Span<byte> text = length <= 512 ? stackalloc byte[length] : new byte[length];
        var written = Encoding.UTF8.GetBytes(messageId, text);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(text[..written], hash);
        return BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }
}
