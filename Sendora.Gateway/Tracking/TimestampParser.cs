using System.Globalization;
using System.Text.RegularExpressions;

namespace Sendora.Gateway.Tracking;

/// <summary>
/// Parses message timestamps the lenient way Segment's clients need: ISO-8601 with or without a zone
/// (none means UTC), single-digit months and days, any number of fraction digits, and Go's
/// <c>time.Time.String()</c> form (<c>2020-05-09 23:54:49.209808489 +0000 UTC m=+1.2</c>).
/// </summary>
public static partial class TimestampParser
{
    /// <summary>Parses <paramref name="text"/> into UTC; <paramref name="hasZone"/> is false when it named no zone.</summary>
    public static bool TryParse(string text, out DateTimeOffset value, out bool hasZone)
    {
        value = default;
        hasZone = false;
        var trimmed = text.Trim();
        var go = GoTimeString().Match(trimmed);
        if (go.Success)
        {
            trimmed = $"{go.Groups["date"].Value}T{go.Groups["time"].Value}{Fraction(go.Groups["fraction"].Value)}{go.Groups["offset"].Value}";
        }

        var iso = IsoLike().Match(trimmed);
        if (!iso.Success)
        {
            return false;
        }

        var zone = iso.Groups["zone"].Value;
        hasZone = zone.Length > 0;
        var normalized = string.Create(CultureInfo.InvariantCulture,
            $"{iso.Groups["y"].Value}-{Pad(iso.Groups["mo"].Value)}-{Pad(iso.Groups["d"].Value)}" +
            $"T{Pad(iso.Groups["h"].Value)}:{Pad(iso.Groups["mi"].Value)}:{Pad(iso.Groups["s"].Value)}" +
            $"{Fraction(iso.Groups["f"].Value)}{(hasZone ? NormalizeZone(zone) : "Z")}");

        if (!DateTimeOffset.TryParseExact(normalized, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz",
                CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out value)
            && !DateTimeOffset.TryParseExact(normalized, "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
                CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value))
        {
            return false;
        }

        value = value.ToUniversalTime();
        return true;
    }

    /// <summary>Formats <paramref name="value"/> as ISO-8601 UTC with milliseconds, the form every API returns.</summary>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Pad(string part) => part.Length == 1 ? "0" + part : part;

    // .NET parses at most seven fraction digits (100 ns), so longer fractions are cut, never rounded.
    private static string Fraction(string digits) =>
        digits.Length == 0 ? ".0" : "." + digits.TrimStart('.')[..Math.Min(7, digits.TrimStart('.').Length)];

    private static string NormalizeZone(string zone)
    {
        if (zone is "Z" or "z")
        {
            return "+00:00";
        }

        var digits = zone[1..].Replace(":", string.Empty, StringComparison.Ordinal);
        return digits.Length == 2 ? $"{zone[0]}{digits}:00" : $"{zone[0]}{digits[..2]}:{digits[2..]}";
    }

    [GeneratedRegex(@"^(?<y>\d{4})-(?<mo>\d{1,2})-(?<d>\d{1,2})[T ](?<h>\d{1,2}):(?<mi>\d{2}):(?<s>\d{2})(?<f>\.\d+)?(?<zone>[Zz]|[+-]\d{2}(:?\d{2})?)?$")]
    private static partial Regex IsoLike();

    [GeneratedRegex(@"^(?<date>\d{4}-\d{1,2}-\d{1,2}) (?<time>\d{1,2}:\d{2}:\d{2})(?<fraction>\.\d+)? (?<offset>[+-]\d{4}) [A-Za-z]+( m=[+-][0-9.]+)?$")]
    private static partial Regex GoTimeString();
}
