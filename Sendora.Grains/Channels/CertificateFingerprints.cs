using System.Diagnostics.CodeAnalysis;

namespace Sendora.Grains.Channels;

/// <summary>
/// Parses lists of SHA-256 certificate fingerprints: 64 hex digits each, in either case, with or without colons
/// between the bytes as <c>openssl x509 -fingerprint -sha256</c> prints them, separated by semicolons or commas.
/// </summary>
public static class CertificateFingerprints
{
    private const int HexDigits = 64;

    /// <summary>
    /// Parses <paramref name="value"/> into fingerprints of 64 uppercase hex digits without colons, the form that
    /// <c>X509Certificate.GetCertHashString(HashAlgorithmName.SHA256)</c> returns. An empty or null value is an empty
    /// set. Returns false with the first invalid entry when one is not a fingerprint.
    /// </summary>
    public static bool TryParse(
        string? value, out IReadOnlySet<string> fingerprints, [NotNullWhen(false)] out string? invalidEntry)
    {
        var parsed = new HashSet<string>(StringComparer.Ordinal);
        fingerprints = parsed;
        invalidEntry = null;
        const StringSplitOptions SplitOptions = StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries;
        var entries = (value ?? string.Empty).Split([';', ','], SplitOptions);
        foreach (var entry in entries)
        {
            var digits = entry.Replace(":", string.Empty, StringComparison.Ordinal);
            if (digits.Length != HexDigits || !digits.All(char.IsAsciiHexDigit))
            {
                invalidEntry = entry;
                return false;
            }

            parsed.Add(digits.ToUpperInvariant());
        }

        return true;
    }
}
