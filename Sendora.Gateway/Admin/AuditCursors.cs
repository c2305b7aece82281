using System.Buffers.Text;
using System.Globalization;
using System.Text;
using Sendora.Grains.Admin.Audit;

namespace Sendora.Gateway.Admin;

/// <summary>Encodes audit page cursors as opaque base64url tokens of <c>{utcTicks}:{entryId}</c>.</summary>
public static class AuditCursors
{
    public static string Encode(AuditPosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"{position.At.UtcTicks}:{position.EntryId}")));
    }

    /// <summary>Returns the position in <paramref name="token"/>, or null when it is not one that <see cref="Encode"/> made.</summary>
    public static AuditPosition? Decode(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(token);
        }
        catch (FormatException)
        {
            return null;
        }

        var text = Encoding.UTF8.GetString(bytes);
        var colon = text.IndexOf(':');
        if (colon <= 0
            || !long.TryParse(text.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks
            || colon == text.Length - 1)
        {
            return null;
        }

        return new AuditPosition(new DateTimeOffset(ticks, TimeSpan.Zero), text[(colon + 1)..]);
    }
}
