using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace Sendora.Gateway.Tracking;

/// <summary>
/// Reads a request body into memory with a limit on its decompressed size. A body is gunzipped when
/// <c>Content-Encoding</c> is gzip or when it starts with the gzip magic bytes (some senders compress
/// without that header). Decompression stops once the limit is passed, so a gzip bomb costs no more memory
/// than the limit.
/// </summary>
public static class RequestBodyReader
{
    // Past the limit the rest is read and counted, up to this many bytes, so the error can state the size.
    internal const long MaxCountedBytes = 16L * 1024 * 1024;

    /// <summary>
    /// Reads the body. On success <see cref="BodyRead.Body"/> contains it. On an error it is null, and
    /// <see cref="BodyRead.Start"/> contains the first bytes read (decompressed where the gzip data allowed it), so
    /// that the rejection can keep them. <see cref="BodyRead.Size"/> is the size those bytes were cut from.
    /// </summary>
    public static async Task<BodyRead> ReadAsync(
        HttpRequest request, int limit, Func<long, IngestionError> tooLarge, CancellationToken cancellationToken)
    {
        var encoding = request.Headers.ContentEncoding.ToString().Trim();
        var declaredGzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase)
            || encoding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase);
        var unsupported = !declaredGzip && encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase);

        // A compressed body can be a little larger than its content, so the raw read allows some slack.
        var (raw, rawLength, rawTotal) = await ReadLimitedAsync(request.Body, limit + 65_536, cancellationToken);
        try
        {
            if (unsupported)
            {
                return BodyRead.Failed(new IngestionError("unsupported_encoding",
                    $"Content-Encoding '{encoding}' is not supported; send gzip or no encoding."), raw.AsSpan(0, rawLength), rawTotal);
            }

            var isGzip = declaredGzip || StartsWithGzipMagic(raw.AsSpan(0, rawLength));
            if (!isGzip)
            {
                return rawTotal > limit
                    ? BodyRead.Failed(tooLarge(rawTotal), raw.AsSpan(0, rawLength), rawTotal)
                    : new BodyRead(raw[..rawLength], null, [], rawLength);
            }

            if (rawTotal > rawLength)
            {
                return BodyRead.Failed(tooLarge(long.MaxValue), raw.AsSpan(0, rawLength), rawTotal);
            }

            return await GunzipAsync(raw, rawLength, limit, tooLarge, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    private static async Task<BodyRead> GunzipAsync(
        byte[] raw, int rawLength, int limit, Func<long, IngestionError> tooLarge, CancellationToken cancellationToken)
    {
        try
        {
            using var gzip = new GZipStream(new MemoryStream(raw, 0, rawLength, writable: false), CompressionMode.Decompress);
            var (body, length, total) = await ReadLimitedAsync(gzip, limit, cancellationToken);
            try
            {
                if (total > limit)
                {
                    return BodyRead.Failed(tooLarge(total), body.AsSpan(0, length), total);
                }

                // GZipStream stops quietly at the end of a cut-off body, so truncation shows only as an
                // output that does not end with the data the last member's trailer describes.
                if (!MatchesLastTrailer(raw.AsSpan(0, rawLength), body.AsSpan(0, length)))
                {
                    return BodyRead.Failed(new IngestionError(
                        "invalid_gzip", "The body is not valid gzip: the compressed data is truncated or corrupt."),
                        raw.AsSpan(0, rawLength), rawLength);
                }

                return new BodyRead(body[..length], null, [], length);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(body);
            }
        }
        catch (InvalidDataException exception)
        {
            // The runtime's message names an archive entry, not a request body.
            var reason = StartsWithGzipMagic(raw.AsSpan(0, rawLength))
                ? exception.Message.TrimEnd('.')
                : "it does not start with the gzip magic bytes 1f 8b; send the body uncompressed or drop Content-Encoding";
            return BodyRead.Failed(new IngestionError("invalid_gzip", $"The body is not valid gzip: {reason}."),
                raw.AsSpan(0, rawLength), rawLength);
        }
    }

    private static bool StartsWithGzipMagic(ReadOnlySpan<byte> data) => data is [0x1f, 0x8b, ..];

    /// <summary>
    /// Checks the trailer of the last gzip member (RFC 1952: CRC-32, then size modulo 2^32, both little-endian)
    /// against the end of <paramref name="output"/>. A body may hold several members whose data is
    /// concatenated, so the trailer covers only the last member's part of the output.
    /// </summary>
    private static bool MatchesLastTrailer(ReadOnlySpan<byte> compressed, ReadOnlySpan<byte> output)
    {
        if (compressed.Length < 18)
        {
            return false;
        }

        var crc = BinaryPrimitives.ReadUInt32LittleEndian(compressed[^8..]);
        var size = BinaryPrimitives.ReadUInt32LittleEndian(compressed[^4..]);
        return size <= output.Length && Crc32.HashToUInt32(output[^(int)size..]) == crc;
    }

    // Reads up to limit bytes into a pooled buffer and counts (without keeping) the rest, up to MaxCountedBytes.
    // The rest goes through a scratch buffer, so the bytes kept stay the start of the stream.
    private static async Task<(byte[] Buffer, int Length, long Total)> ReadLimitedAsync(
        Stream stream, int limit, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(limit + 1, 81_920));
        byte[]? scratch = null;
        var length = 0;
        long total = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length && length <= limit)
                {
                    var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var target = length <= limit
                    ? buffer.AsMemory(length)
                    : (scratch ??= ArrayPool<byte>.Shared.Rent(81_920)).AsMemory();
                var read = await stream.ReadAsync(target, cancellationToken);
                if (read == 0)
                {
                    return (buffer, Math.Min(length, limit), total);
                }

                total += read;
                if (length <= limit)
                {
                    length += read;
                }

                if (total > MaxCountedBytes)
                {
                    return (buffer, Math.Min(length, limit), long.MaxValue);
                }
            }
        }
        finally
        {
            if (scratch is not null)
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
    }
}

/// <summary>What <see cref="RequestBodyReader.ReadAsync"/> read.</summary>
/// <param name="Body">The decompressed body, or null when it was rejected.</param>
/// <param name="Error">Why the body was rejected, or null.</param>
/// <param name="Start">The first bytes of a rejected body, at most <see cref="BodyRead.MaxStartBytes"/>.</param>
/// <param name="Size">The size in bytes of the body, or of what <paramref name="Start"/> was cut from.</param>
public sealed record BodyRead(byte[]? Body, IngestionError? Error, byte[] Start, long Size)
{
    /// <summary>
    /// The maximum number of bytes of a rejected body in <see cref="Start"/>, the largest value that
    /// <c>Sendora:SourceHealth:MaxKeptBytes</c> accepts.
    /// </summary>
    public const int MaxStartBytes = 1_048_576;

    /// <summary>
    /// Returns a rejection that keeps the start of <paramref name="read"/>. A size past the bytes the reader counts
    /// is given as one byte more than that count.
    /// </summary>
    public static BodyRead Failed(IngestionError error, ReadOnlySpan<byte> read, long size) =>
        new(null, error, read[..Math.Min(read.Length, MaxStartBytes)].ToArray(),
            Math.Min(size, RequestBodyReader.MaxCountedBytes + 1));
}
