using Sendora.Gateway.Hosting;
using Sendora.Grains.Audiences;

namespace Sendora.Gateway.Audiences;

/// <summary>Encodes member page cursors as opaque base64url tokens of <c>{shard}:{profileId}</c>.</summary>
public static class MemberCursors
{
    public static string Encode(MemberCursor cursor) =>
        CursorTokens.Encode(
            cursor.Shard.ToString(System.Globalization.CultureInfo.InvariantCulture), cursor.AfterProfileId ?? string.Empty);

    /// <summary>Returns the cursor in <paramref name="token"/>, or null when it is not one that <see cref="Encode"/> made.</summary>
    public static MemberCursor? Decode(string token)
    {
        if (!CursorTokens.TryDecode(token, out var head, out var after)
            || !int.TryParse(head, System.Globalization.NumberStyles.None,
                System.Globalization.CultureInfo.InvariantCulture, out var shard) || shard > 4096)
        {
            return null;
        }

        return new MemberCursor(shard, after.Length == 0 ? null : after);
    }
}
