using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Sendora.Grains.Profiles;

/// <summary>
/// The messageIds a profile applied within its deduplication window, in the order they arrived. Each is kept as a
/// 128-bit digest with its arrival time, 24 bytes in all, in one <see cref="MessageDigests"/> that the profile state
/// stores as it is, so that a profile that remembers thousands of ids neither keeps nor writes thousands of strings.
/// </summary>
/// <remarks>
/// <para>
/// After a save the state and this object share one <see cref="MessageDigests"/>, which each change updates in place,
/// so a profile keeps its ids once in memory and the state always writes the current ones. Its array has room for a
/// quarter more ids, so adding one copies nothing most of the time. A profile with few ids finds a digest by scanning
/// the array. From <see cref="IndexThreshold"/> ids on, a hash set of the digests finds it instead.
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

    private MessageDigests _digests = new();
    private int _count;
    private HashSet<UInt128>? _index;

    public int Count => _count;

    /// <summary>Reads what a stored state remembers: the packed entries and those of the older list of records.</summary>
    public static SeenMessageIds From(ProfileState state)
    {
        var seen = new SeenMessageIds();
        if (state.SeenMessages.Count == 0 && state.SeenMessageDigests.Length % EntrySize == 0)
        {
            // Stored entries contain each digest once and in arrival order, so they are used without a copy.
            seen._digests = state.SeenMessageDigests;
            seen._count = seen._digests.Length / EntrySize;
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

        var packed = state.SeenMessageDigests.Buffer;
        for (var offset = 0; offset + EntrySize <= state.SeenMessageDigests.Length; offset += EntrySize)
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
        var packed = _digests.Buffer;
        var remove = 0;
        while (remove < _count && (TicksAt(packed, remove * EntrySize) < cutoff.UtcTicks || _count - remove >= limit))
        {
            _index?.Remove(DigestAt(packed, remove * EntrySize));
            remove++;
        }

        if (remove == 0)
        {
            return;
        }

        var remaining = _count - remove;
        var target = packed;
        if (packed.Length > 2 * RoomFor(remaining) * EntrySize)
        {
            // A profile that forgot most of its ids does not keep the array it needed for all of them.
            target = new byte[RoomFor(remaining) * EntrySize];
            _digests.Buffer = target;
        }

        packed.AsSpan(remove * EntrySize, remaining * EntrySize).CopyTo(target);
        SetCount(remaining);
        if (_count < IndexThreshold / 2)
        {
            _index = null;
        }
    }

    /// <summary>Makes <paramref name="state"/> store these entries, replacing the older list of records.</summary>
    public void SaveTo(ProfileState state)
    {
        state.SeenMessageDigests = _digests;
        if (state.SeenMessages.Count > 0)
        {
            state.SeenMessages = [];
        }
    }

    private bool Contains(UInt128 digest)
    {
        if (_index is not null)
        {
            return _index.Contains(digest);
        }

        var packed = _digests.Buffer;
        for (var offset = 0; offset < _count * EntrySize; offset += EntrySize)
        {
            if (DigestAt(packed, offset) == digest)
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
        var packed = _digests.Buffer;
        if (offset + EntrySize > packed.Length)
        {
            var grown = new byte[RoomFor(_count + 1) * EntrySize];
            packed.AsSpan(0, offset).CopyTo(grown);
            _digests.Buffer = packed = grown;
        }

        BinaryPrimitives.WriteInt64LittleEndian(packed.AsSpan(offset), ticks);
        BinaryPrimitives.WriteUInt128LittleEndian(packed.AsSpan(offset + 8), digest);
        SetCount(_count + 1);
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
        var packed = _digests.Buffer;
        for (var offset = 0; offset < _count * EntrySize; offset += EntrySize)
        {
            _index.Add(DigestAt(packed, offset));
        }
    }

    private void SortByArrival()
    {
        var packed = _digests.Buffer;
        var entries = new (long Ticks, UInt128 Digest)[_count];
        for (var i = 0; i < _count; i++)
        {
            entries[i] = (TicksAt(packed, i * EntrySize), DigestAt(packed, i * EntrySize));
        }

        // A stable sort, so that ids with the same arrival time keep the order they were added in.
        var sorted = entries.OrderBy(e => e.Ticks).ToArray();
        for (var i = 0; i < _count; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(packed.AsSpan(i * EntrySize), sorted[i].Ticks);
            BinaryPrimitives.WriteUInt128LittleEndian(packed.AsSpan(i * EntrySize + 8), sorted[i].Digest);
        }
    }

    // Room for a quarter more than count entries, and at least 4 more, so that adding ids copies the array rarely.
    private static int RoomFor(int count) => count + Math.Max(4, count / 4);

    private void SetCount(int count)
    {
        _count = count;
        _digests.Length = count * EntrySize;
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
