using System.Security.Cryptography;
using System.Text;

namespace Sendora.Grains;

/// <summary>
/// Builds and splits grain keys of the form <c>{workspaceId}/{id}</c>, which scope every grain to
/// one workspace. A workspace id never contains a slash, so the first slash separates the parts.
/// </summary>
public static class GrainKeys
{
    public static string Scoped(string workspaceId, string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(workspaceId);
        ArgumentException.ThrowIfNullOrEmpty(id);
        if (workspaceId.Contains('/'))
        {
            throw new ArgumentException($"Workspace id '{workspaceId}' must not contain '/'.", nameof(workspaceId));
        }

        return string.Concat(workspaceId, "/", id);
    }

    /// <summary>
    /// Returns the grain key of an external id such as <c>user_id:42</c>. Characters that Azure
    /// Table keys forbid or that Orleans' table storage rewrites (<c>/ \ # ?</c>, control
    /// characters) and <c>%</c> itself are percent-encoded, so distinct ids keep distinct keys.
    /// </summary>
    public static string ForExternalId(string workspaceId, string type, string value) =>
        Scoped(workspaceId, string.Concat(type, ":", EncodeValue(value)));

    /// <summary>
    /// Percent-encodes the characters of <paramref name="value"/> that are unsafe in a table key. An
    /// encoded value longer than 256 characters is shortened to its first 64 characters and the SHA-256
    /// of the value, because an Azure Table key is at most 1 KiB (512 UTF-16 characters) and Orleans puts
    /// the service id, grain type and workspace id in front of it.
    /// </summary>
    public static string EncodeValue(string value)
    {
        var encoded = Escape(value);
        if (encoded.Length <= MaxEncodedLength)
        {
            return encoded;
        }

        // An escaped value has '%' only before two hex digits, so no unshortened value contains "%h".
        var prefixLength = char.IsHighSurrogate(encoded[KeptPrefixLength - 1]) ? KeptPrefixLength - 1 : KeptPrefixLength;
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));
        return string.Concat(encoded.AsSpan(0, prefixLength), "%h", hash);
    }

    /// <summary>Reverses <see cref="EncodeValue"/>, except for a shortened value, whose hash cannot be reversed.</summary>
    public static string DecodeValue(string value) =>
        value.Contains('%') ? Uri.UnescapeDataString(value) : value;

    private static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.AsSpan().ContainsAny(UnsafeCharacters) && !value.Any(char.IsControl))
        {
            return value;
        }

        var builder = new StringBuilder(value.Length + 8);
        Span<byte> utf8 = stackalloc byte[2];
        foreach (var c in value)
        {
            if (!(c is '%' or '/' or '\\' or '#' or '?' || char.IsControl(c)))
            {
                builder.Append(c);
                continue;
            }

            // Control characters U+0080 to U+009F take two UTF-8 bytes. Uri.UnescapeDataString in
            // DecodeValue decodes that byte pair but leaves a lone %80 to %9F as it is.
            var length = Encoding.UTF8.GetBytes([c], utf8);
            foreach (var b in utf8[..length])
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    private const int MaxEncodedLength = 256;
    private const int KeptPrefixLength = 64;

    private static readonly System.Buffers.SearchValues<char> UnsafeCharacters =
        System.Buffers.SearchValues.Create("%/\\#?");

    public static (string WorkspaceId, string Id) Split(string key)
    {
        var slash = key.IndexOf('/');
        if (slash <= 0 || slash == key.Length - 1)
        {
            throw new ArgumentException($"Grain key '{key}' is not of the form '{{workspaceId}}/{{id}}'.", nameof(key));
        }

        return (key[..slash], key[(slash + 1)..]);
    }
}
