using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace Sendora.Grains.Profiles;

/// <summary>
/// Encodes the values of <see cref="EventListCodec{TEvent,TList}"/>: unsigned LEB128 integers, strings and byte
/// arrays prefixed with their length, and timestamps. <see cref="EventBlobReader"/> decodes them.
/// </summary>
/// <remarks>
/// A string is its UTF-8 length plus one, then its bytes, so that zero stands for null. A repeated string, such as a
/// source id or an event name, is written once per list and then as its index in a table of up to
/// <see cref="RepeatedStrings.Capacity"/> strings.
/// </remarks>
public ref struct EventBlobWriter(ArrayBufferWriter<byte> buffer)
{
    private RepeatedStrings _repeated;
    private int _repeatedCount;

    public void WriteByte(byte value)
    {
        buffer.GetSpan(1)[0] = value;
        buffer.Advance(1);
    }

    public void WriteVarUInt(ulong value)
    {
        var span = buffer.GetSpan(10);
        var length = 0;
        while (value >= 0x80)
        {
            span[length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[length++] = (byte)value;
        buffer.Advance(length);
    }

    /// <summary>Writes the clock time in ticks and the offset in minutes, which is all a <see cref="DateTimeOffset"/> contains.</summary>
    public void WriteTimestamp(DateTimeOffset value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(buffer.GetSpan(sizeof(long)), value.Ticks);
        buffer.Advance(sizeof(long));
        var minutes = (int)(value.Offset.Ticks / TimeSpan.TicksPerMinute);
        WriteVarUInt((uint)((minutes << 1) ^ (minutes >> 31)));
    }

    public void WriteString(string? value)
    {
        if (value is null)
        {
            WriteVarUInt(0);
            return;
        }

        var length = Encoding.UTF8.GetByteCount(value);
        WriteVarUInt((ulong)length + 1);
        Encoding.UTF8.GetBytes(value, buffer.GetSpan(length));
        buffer.Advance(length);
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        WriteVarUInt((ulong)value.Length);
        buffer.Write(value);
    }

    /// <summary>
    /// Writes a string that is likely to repeat within the list: its index plus one when written before, else zero and
    /// the string, which the table then keeps while it has room.
    /// </summary>
    public void WriteRepeatedString(string? value)
    {
        for (var i = 0; i < _repeatedCount; i++)
        {
            if (string.Equals(_repeated[i], value, StringComparison.Ordinal))
            {
                WriteVarUInt((ulong)i + 1);
                return;
            }
        }

        WriteVarUInt(0);
        WriteString(value);
        if (_repeatedCount < RepeatedStrings.Capacity)
        {
            _repeated[_repeatedCount++] = value;
        }
    }
}

/// <summary>The strings that one list names more than once, in the order first written.</summary>
[InlineArray(Capacity)]
public struct RepeatedStrings
{
    public const int Capacity = 16;

    private string? _element;
}
