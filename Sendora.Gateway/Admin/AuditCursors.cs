using System.Globalization;
using Sendora.Gateway.Hosting;
using Sendora.Grains.Admin.Audit;

namespace Sendora.Gateway.Admin;

/// <summary>Encodes audit page cursors as opaque base64url tokens of <c>{utcTicks}:{entryId}</c>.</summary>
public static class AuditCursors
{
    public static string Encode(AuditPosition position)
    {
        ArgumentNullException.ThrowIfNull(position);
        return CursorTokens.Encode(position.At.UtcTicks.ToString(CultureInfo.InvariantCulture), position.EntryId);
    }

    /// <summary>
    /// Returns the position in <paramref name="token"/>, or null when it is not one that <see cref="Encode"/> made.
    /// </summary>
    public static AuditPosition? Decode(string token)
    {
        if (!CursorTokens.TryDecode(token, out var head, out var entryId)
            || !long.TryParse(head, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks
            || entryId.Length == 0)
        {
            return null;
        }

        return new AuditPosition(new DateTimeOffset(ticks, TimeSpan.Zero), entryId);
    }
}
