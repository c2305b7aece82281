using System.Buffers.Binary;
using System.Text;

namespace Sendora.Grains.Profiles;

/// <summary>Decodes what <see cref="EventBlobWriter"/> encoded, in the same order.</summary>
/// <remarks>Data that ends early or contains an impossible length raises <see cref="InvalidDataException"/>.</remarks>
public ref struct EventBlobReader(ReadOnlySpan<byte> data)
{
    private readonly ReadOnlySpan<byte> _data = data;
    private int _position;
    private RepeatedStrings _repeated;
    private int _repeatedCount;

    /// <summary>Whether every byte was read, which a complete list does exactly.</summary>
    public readonly bool AtEnd => _position == _data.Length;

    public byte ReadByte() => Take(1)[0];

    public ulong ReadVarUInt()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var next = ReadByte();
            value |= (ulong)(next & 0x7F) << shift;
            if (next < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException($"A stored event list has an integer longer than 10 bytes at offset {_position}.");
    }

    /// <summary>Reads a count or length, which must fit in the bytes that remain.</summary>
    public int ReadLength() => ToLength(ReadVarUInt());

    /// <summary>Returns <paramref name="length"/> as a count or length, which must fit in the bytes that remain.</summary>
    public readonly int ToLength(ulong length)
    {
        if (length > (ulong)(_data.Length - _position))
        {
            throw new InvalidDataException(
                $"A stored event list gives a length of {length} at offset {_position}, past its end at {_data.Length}.");
        }

        return (int)length;
    }

    public DateTimeOffset ReadTimestamp()
    {
        var ticks = BinaryPrimitives.ReadInt64LittleEndian(Take(sizeof(long)));
        var zigzag = (uint)ReadVarUInt();
        var minutes = (int)(zigzag >> 1) ^ -(int)(zigzag & 1);
        return new DateTimeOffset(ticks, TimeSpan.FromMinutes(minutes));
    }

    public string? ReadString()
    {
        var lengthPlusOne = ReadVarUInt();
        if (lengthPlusOne == 0)
        {
            return null;
        }

        if (lengthPlusOne - 1 > (ulong)(_data.Length - _position))
        {
            throw new InvalidDataException(
                $"A stored event list gives a string of {lengthPlusOne - 1} bytes at offset {_position}, past its end at {_data.Length}.");
        }

        return Encoding.UTF8.GetString(Take((int)(lengthPlusOne - 1)));
    }

    public byte[] ReadBytes() => Take(ReadLength()).ToArray();

    /// <summary>Reads what <see cref="EventBlobWriter.WriteRepeatedString"/> wrote, sharing one instance per repeated string.</summary>
    public string? ReadRepeatedString()
    {
        var index = ReadVarUInt();
        if (index > 0)
        {
            if (index > (ulong)_repeatedCount)
            {
                throw new InvalidDataException(
                    $"A stored event list refers to repeated string {index} at offset {_position}, but holds {_repeatedCount}.");
            }

            return _repeated[(int)index - 1];
        }

        var value = ReadString();
        if (_repeatedCount < RepeatedStrings.Capacity)
        {
            _repeated[_repeatedCount++] = value;
        }

        return value;
    }

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length > _data.Length - _position)
        {
            throw new InvalidDataException(
                $"A stored event list ends at {_data.Length} bytes, inside a value of {length} bytes at offset {_position}.");
        }

        var span = _data.Slice(_position, length);
        _position += length;
        return span;
    }
}
