using System.Globalization;
using System.Text.RegularExpressions;

namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// Reads ISO-8601 dates such as <c>2026-01-01</c>, <c>2026-01-01T10:15:00Z</c> and
/// <c>2026-01-01T10:15:00.123+05:30</c>. Other date formats are not dates.
/// </summary>
internal static partial class IsoDates
{
    /// <summary>
    /// Parses <paramref name="text"/> into a UTC instant. A date without a time is midnight, and a
    /// value without a zone is read as UTC; <paramref name="hasZone"/> reports whether a zone was given.
    /// </summary>
    public static bool TryParse(string text, out DateTimeOffset value, out bool hasZone)
    {
        value = default;
        hasZone = false;
        var match = IsoPattern().Match(text);
        if (!match.Success)
        {
            return false;
        }

        var year = Number(match, "year");
        var month = Number(match, "month");
        var day = Number(match, "day");
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }

        var hour = Number(match, "hour");
        var minute = Number(match, "minute");
        var second = Number(match, "second");
        if (hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var offset = TimeSpan.Zero;
        var zone = match.Groups["zone"];
        if (zone.Success)
        {
            hasZone = true;
            if (!TryReadOffset(zone.Value, out offset))
            {
                return false;
            }
        }

        var ticks = FractionTicks(match.Groups["fraction"].Value);
        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).AddTicks(ticks);
        var utcTicks = local.Ticks - offset.Ticks;
        if (utcTicks < DateTime.MinValue.Ticks || utcTicks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        value = new DateTimeOffset(utcTicks, TimeSpan.Zero);
        return true;
    }

    /// <summary>Formats an instant the way the gateway does: UTC with milliseconds.</summary>
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static int Number(Match match, string group) =>
        match.Groups[group] is { Success: true } captured
            ? int.Parse(captured.ValueSpan, NumberStyles.None, CultureInfo.InvariantCulture)
            : 0;

    private static long FractionTicks(string digits)
    {
        // A tick is 100 ns, so ticks take seven digits. Further digits are dropped, not rounded.
        long ticks = 0;
        for (var i = 0; i < 7; i++)
        {
            ticks = ticks * 10 + (i < digits.Length ? digits[i] - '0' : 0);
        }

        return ticks;
    }

    private static bool TryReadOffset(string zone, out TimeSpan offset)
    {
        offset = TimeSpan.Zero;
        if (zone is "Z" or "z")
        {
            return true;
        }

        var digits = zone[1..].Replace(":", string.Empty, StringComparison.Ordinal);
        var hours = int.Parse(digits.AsSpan(0, 2), NumberStyles.None, CultureInfo.InvariantCulture);
        var minutes = digits.Length > 2
            ? int.Parse(digits.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture)
            : 0;
        if (hours > 14 || minutes > 59)
        {
            return false;
        }

        offset = new TimeSpan(hours, minutes, 0);
        if (zone[0] == '-')
        {
            offset = -offset;
        }

        return true;
    }

    [GeneratedRegex(
        @"^(?<year>[0-9]{4})-(?<month>[0-9]{2})-(?<day>[0-9]{2})" +
        @"(?:[Tt ](?<hour>[0-9]{2}):(?<minute>[0-9]{2})(?::(?<second>[0-9]{2})(?:[.,](?<fraction>[0-9]{1,9}))?)?" +
        @"(?<zone>[Zz]|[+-][0-9]{2}(?::?[0-9]{2})?)?)?\z",
        RegexOptions.CultureInvariant)]
    private static partial Regex IsoPattern();
}
