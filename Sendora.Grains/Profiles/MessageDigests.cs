using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Cloning;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.WireProtocol;

namespace Sendora.Grains.Profiles;

/// <summary>
/// The entries of <see cref="SeenMessageIds"/> as a profile state stores them: the first <see cref="Length"/> bytes of
/// <see cref="Buffer"/>, which may have room for more, so that a profile adds an id without copying the others.
/// </summary>
[Alias("sendora.MessageDigests")]
[JsonConverter(typeof(MessageDigestsJsonConverter))]
public sealed class MessageDigests
{
    public MessageDigests()
        : this([], 0)
    {
    }

    public MessageDigests(byte[] buffer, int length)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, buffer.Length);
        Buffer = buffer;
        Length = length;
    }

    /// <summary>The array that contains the entries, and after them any room to grow into.</summary>
    public byte[] Buffer { get; internal set; }

    /// <summary>The count of bytes in use.</summary>
    public int Length { get; internal set; }

    public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);
}

/// <summary>
/// Writes <see cref="MessageDigests"/> as a length-prefixed field of its bytes in use, the wire form of the byte array
/// that states stored before this type existed, which it reads as well.
/// </summary>
[RegisterSerializer]
public sealed class MessageDigestsCodec : IFieldCodec<MessageDigests>
{
    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, Type? expectedType, MessageDigests? value)
        where TBufferWriter : IBufferWriter<byte>
    {
        if (value is null)
        {
            ReferenceCodec.WriteNullReference(ref writer, fieldIdDelta);
            return;
        }

        // Orleans' byte array codec tracked the array as a reference, which also takes one reference id.
        ReferenceCodec.MarkValueField(writer.Session);
        writer.WriteFieldHeader(fieldIdDelta, expectedType, typeof(MessageDigests), WireType.LengthPrefixed);
        writer.WriteVarUInt32((uint)value.Length);
        writer.Write(value.Span);
    }

    public MessageDigests ReadValue<TInput>(ref Reader<TInput> reader, Field field)
    {
        if (field.IsReference)
        {
            // Orleans wrote a byte array that an earlier field of the state also contained as a reference to it.
            return ReferenceCodec.ReadReference<object, TInput>(ref reader, field) switch
            {
                null => null!,
                MessageDigests digests => digests,
                byte[] array => new MessageDigests(array, array.Length),
                var other => throw new InvalidDataException(
                    $"A stored list of seen messageIds refers to a {other.GetType().Name}, not to a byte array."),
            };
        }

        field.EnsureWireType(WireType.LengthPrefixed);
        ReferenceCodec.MarkValueField(reader.Session);
        var length = reader.ReadVarUInt32();
        var bytes = reader.ReadBytes(length);
        return new MessageDigests(bytes, bytes.Length);
    }
}

/// <summary>Copies <see cref="MessageDigests"/> into an array of exactly the bytes in use.</summary>
[RegisterCopier]
public sealed class MessageDigestsCopier : IDeepCopier<MessageDigests>
{
    public MessageDigests? DeepCopy(MessageDigests? input, CopyContext context)
    {
        if (input is null)
        {
            return null;
        }

        if (context.TryGetCopy<MessageDigests>(input, out var existing))
        {
            return existing;
        }

        var copy = new MessageDigests(input.Span.ToArray(), input.Length);
        context.RecordCopy(input, copy);
        return copy;
    }
}

/// <summary>Writes <see cref="MessageDigests"/> in JSON as Base64 of its bytes in use, as a byte array is written.</summary>
public sealed class MessageDigestsJsonConverter : JsonConverter<MessageDigests>
{
    public override MessageDigests Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var bytes = reader.GetBytesFromBase64();
        return new MessageDigests(bytes, bytes.Length);
    }

    public override void Write(Utf8JsonWriter writer, MessageDigests value, JsonSerializerOptions options) =>
        writer.WriteBase64StringValue(value.Span);
}
