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

    /// <summary>Percent-encodes the characters of <paramref name="value"/> that are unsafe in a table key.</summary>
    public static string EncodeValue(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!value.AsSpan().ContainsAny(UnsafeCharacters) && !value.Any(char.IsControl))
        {
            return value;
        }

        var builder = new System.Text.StringBuilder(value.Length + 8);
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
            var length = System.Text.Encoding.UTF8.GetBytes([c], utf8);
            foreach (var b in utf8[..length])
            {
                builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return builder.ToString();
    }

    /// <summary>Reverses <see cref="EncodeValue"/>.</summary>
    public static string DecodeValue(string value) =>
        value.Contains('%') ? Uri.UnescapeDataString(value) : value;

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
