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
    private const long MaxCountedBytes = 16L * 1024 * 1024;

    public static async Task<(byte[]? Body, int Length, IngestionError? Error)> ReadAsync(
        HttpRequest request, int limit, Func<long, IngestionError> tooLarge, CancellationToken cancellationToken)
    {
        var encoding = request.Headers.ContentEncoding.ToString().Trim();
        var declaredGzip = encoding.Equals("gzip", StringComparison.OrdinalIgnoreCase)
            || encoding.Equals("x-gzip", StringComparison.OrdinalIgnoreCase);
        if (!declaredGzip && encoding.Length > 0 && !encoding.Equals("identity", StringComparison.OrdinalIgnoreCase))
        {
            return (null, 0, new IngestionError(
                "unsupported_encoding", $"Content-Encoding '{encoding}' is not supported; send gzip or no encoding."));
        }

        // A compressed body can be a little larger than its content, so the raw read allows some slack.
        var (raw, rawLength, rawTotal) = await ReadLimitedAsync(request.Body, limit + 65_536, cancellationToken);
        try
        {
            var isGzip = declaredGzip || (rawLength >= 2 && raw[0] == 0x1f && raw[1] == 0x8b);
            if (!isGzip)
            {
                return rawTotal > limit ? (null, 0, tooLarge(rawTotal)) : (raw[..rawLength], rawLength, null);
            }

            if (rawTotal > rawLength)
            {
                return (null, 0, tooLarge(long.MaxValue));
            }

            return await GunzipAsync(raw, rawLength, limit, tooLarge, cancellationToken);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(raw);
        }
    }

    private static async Task<(byte[]? Body, int Length, IngestionError? Error)> GunzipAsync(
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
                    return (null, 0, tooLarge(total));
                }

                // GZipStream stops quietly at the end of a cut-off body, so truncation shows only as an
                // output that does not end with the data the last member's trailer describes.
                if (!MatchesLastTrailer(raw.AsSpan(0, rawLength), body.AsSpan(0, length)))
                {
                    return (null, 0, new IngestionError(
                        "invalid_gzip", "The body is not valid gzip: the compressed data is truncated or corrupt."));
                }

                return (body[..length], length, null);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(body);
            }
        }
        catch (InvalidDataException exception)
        {
            return (null, 0, new IngestionError("invalid_gzip", $"The body is not valid gzip: {exception.Message}"));
        }
    }

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
    private static async Task<(byte[] Buffer, int Length, long Total)> ReadLimitedAsync(
        Stream stream, int limit, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(limit + 1, 81_920));
        var length = 0;
        long total = 0;
        while (true)
        {
            if (length == buffer.Length && length <= limit)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, limit + 1));
                buffer.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = larger;
            }

            var target = length <= limit ? buffer.AsMemory(length) : buffer.AsMemory(0);
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
}
