using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Sendora.Grains.Profiles;

/// <summary>
/// The messageIds a profile applied within its deduplication window, in the order they arrived. Each is kept as a
/// 128-bit digest with its arrival time, 24 bytes in all, and stored in the profile state as one byte array, so that
/// a profile that remembers thousands of ids neither keeps nor writes thousands of strings.
/// </summary>
/// <remarks>
/// Two different messageIds share a digest with a probability of about 2^-128 per pair, far below any rate at which
/// a valid message could be taken for a duplicate.
/// </remarks>
public sealed class SeenMessageIds
{
    private const int EntrySize = 24;

    private readonly List<Entry> _entries = [];
    private readonly HashSet<UInt128> _digests = [];
    private bool _changed;

    public int Count => _entries.Count;

    /// <summary>Reads what a stored state remembers: the packed entries and those of the older list of records.</summary>
    public static SeenMessageIds From(ProfileState state)
    {
        var seen = new SeenMessageIds();
        seen.AddStored(state);
        return seen;
    }

    public bool Contains(string messageId) => _digests.Contains(DigestOf(messageId));

    /// <summary>Adds a messageId; returns false when it is remembered already.</summary>
    public bool Add(string messageId, DateTimeOffset receivedAt) => Add(new Entry(receivedAt.UtcTicks, DigestOf(messageId)));

    /// <summary>Adds the entries of another profile's state, such as one merged into this one, keeping arrival order.</summary>
    public void AddStored(ProfileState state)
    {
        var added = false;
        foreach (var seen in state.SeenMessages)
        {
            added |= Add(new Entry(seen.ReceivedAt.UtcTicks, DigestOf(seen.MessageId)));
        }

        var packed = state.SeenMessageDigests;
        for (var offset = 0; offset + EntrySize <= packed.Length; offset += EntrySize)
        {
            var ticks = BinaryPrimitives.ReadInt64LittleEndian(packed.AsSpan(offset));
            var digest = BinaryPrimitives.ReadUInt128LittleEndian(packed.AsSpan(offset + 8));
            added |= Add(new Entry(ticks, digest));
        }

        if (added)
        {
            _entries.Sort((left, right) => left.Ticks.CompareTo(right.Ticks));
        }
    }

    /// <summary>Forgets ids received before <paramref name="cutoff"/>, and the oldest beyond <paramref name="limit"/> minus one.</summary>
    public void Forget(DateTimeOffset cutoff, int limit)
    {
        var remove = 0;
        while (remove < _entries.Count && (_entries[remove].Ticks < cutoff.UtcTicks || _entries.Count - remove >= limit))
        {
            _digests.Remove(_entries[remove].Digest);
            remove++;
        }

        if (remove > 0)
        {
            _entries.RemoveRange(0, remove);
            _changed = true;
        }
    }

    /// <summary>Writes the entries into <paramref name="state"/> when they changed, replacing the older list of records.</summary>
    public void SaveTo(ProfileState state)
    {
        if (!_changed && state.SeenMessages.Count == 0)
        {
            return;
        }

        var packed = new byte[_entries.Count * EntrySize];
        for (var i = 0; i < _entries.Count; i++)
        {
            var offset = i * EntrySize;
            BinaryPrimitives.WriteInt64LittleEndian(packed.AsSpan(offset), _entries[i].Ticks);
            BinaryPrimitives.WriteUInt128LittleEndian(packed.AsSpan(offset + 8), _entries[i].Digest);
        }

        state.SeenMessageDigests = packed;
        state.SeenMessages = [];
        _changed = false;
    }

    private bool Add(Entry entry)
    {
        if (!_digests.Add(entry.Digest))
        {
            return false;
        }

        _entries.Add(entry);
        _changed = true;
        return true;
    }

    private static UInt128 DigestOf(string messageId)
    {
        var length = Encoding.UTF8.GetMaxByteCount(messageId.Length);
        Span<byte> text = length <= 512 ? stackalloc byte[length] : new byte[length];
        var written = Encoding.UTF8.GetBytes(messageId, text);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(text[..written], hash);
        return BinaryPrimitives.ReadUInt128LittleEndian(hash);
    }

    private readonly record struct Entry(long Ticks, UInt128 Digest);
}
