using System.Buffers.Text;
using System.Text;
using Sendora.Grains.Audiences;

namespace Sendora.Gateway.Audiences;

/// <summary>Encodes member page cursors as opaque base64url tokens of <c>{shard}:{profileId}</c>.</summary>
public static class MemberCursors
{
    public static string Encode(MemberCursor cursor) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{cursor.Shard}:{cursor.AfterProfileId}"));

    /// <summary>Returns the cursor in <paramref name="token"/>, or null when it is not one that <see cref="Encode"/> made.</summary>
    public static MemberCursor? Decode(string token)
    {
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
        if (colon <= 0 || !int.TryParse(text[..colon], System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var shard) || shard > 4096)
        {
            return null;
        }

        var after = text[(colon + 1)..];
        return new MemberCursor(shard, after.Length == 0 ? null : after);
    }
}
