using System.Globalization;
using System.Text;

namespace Sendora.Grains.Admin.Audit;

/// <summary>Bounds the JSON values that audit entries keep, so that a change never fails for the size of its entry.</summary>
public static class AuditValues
{
    /// <summary>The maximum size of one value, in bytes of UTF-8: 64 KiB, the marker included.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The text that starts the marker at the end of a cut value; the size of the whole value follows.</summary>
    public const string TruncationMarker = "…[truncated from ";

    /// <summary>
    /// Returns <paramref name="value"/> when it fits <see cref="MaxBytes"/>. Otherwise returns its longest prefix
    /// that ends on a whole character and leaves room for the marker <c>…[truncated from N bytes]</c>, where
    /// <c>N</c> is the size of the whole value. A cut value is no longer valid JSON.
    /// </summary>
    public static string? Bound(string? value)
    {
        if (value is null || value.Length <= MaxBytes / 3 || Encoding.UTF8.GetByteCount(value) <= MaxBytes)
        {
            return value;
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        var marker = string.Create(CultureInfo.InvariantCulture, $"{TruncationMarker}{bytes.Length} bytes]");
        var keptBytes = MaxBytes - Encoding.UTF8.GetByteCount(marker);

        // A UTF-8 continuation byte has the bits 10xxxxxx, so the cut moves back to the first byte of its character.
        while (keptBytes > 0 && (bytes[keptBytes] & 0xC0) == 0x80)
        {
            keptBytes--;
        }

        return string.Concat(Encoding.UTF8.GetString(bytes, 0, keptBytes), marker);
    }

    /// <summary>
    /// Returns the size that <paramref name="entry"/> adds to a segment's stored state, in bytes, estimated from its text.
    /// </summary>
    public static int EstimateBytes(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);

        // The Orleans binary serializer writes strings as UTF-8 with a short length prefix; 64 bytes covers the
        // prefixes, the time and the field tags.
        const int FixedBytes = 64;
        return FixedBytes + ByteCount(entry.Id) + ByteCount(entry.Actor) + ByteCount(entry.Action)
            + ByteCount(entry.Target) + ByteCount(entry.Before) + ByteCount(entry.After);
    }

    private static int ByteCount(string? value) => value is null ? 0 : Encoding.UTF8.GetByteCount(value);
}
