using System.Buffers.Text;
using System.Text;

namespace Sendora.Gateway.Hosting;

/// <summary>Packs the two parts of a page cursor into one opaque base64url token of <c>{head}:{tail}</c>.</summary>
public static class CursorTokens
{
    /// <summary>
    /// Returns the token of <paramref name="head"/>, which must not contain ':', and <paramref name="tail"/>.
    /// </summary>
    public static string Encode(string head, string tail)
    {
        ArgumentException.ThrowIfNullOrEmpty(head);
        ArgumentNullException.ThrowIfNull(tail);
        if (head.Contains(':'))
        {
            throw new ArgumentException($"The cursor head '{head}' must not contain ':'.", nameof(head));
        }

        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{head}:{tail}"));
    }

    /// <summary>
    /// Reads the parts of a token that <see cref="Encode"/> made. Returns false when <paramref name="token"/> is not
    /// base64url or has no non-empty head before a ':'. The tail may be empty.
    /// </summary>
    public static bool TryDecode(string token, out string head, out string tail)
    {
        ArgumentNullException.ThrowIfNull(token);
        head = tail = string.Empty;
        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(token);
        }
        catch (FormatException)
        {
            return false;
        }

        var text = Encoding.UTF8.GetString(bytes);
        var colon = text.IndexOf(':');
        if (colon <= 0)
        {
            return false;
        }

        (head, tail) = (text[..colon], text[(colon + 1)..]);
        return true;
    }
}
