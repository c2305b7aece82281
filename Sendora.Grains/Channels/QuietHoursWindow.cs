namespace Sendora.Grains.Channels;

/// <summary>Decides whether a moment falls in a profile's quiet hours and when they end.</summary>
public static class QuietHoursWindow
{
    /// <summary>
    /// Returns when the quiet hours around <paramref name="now"/> end, or null when <paramref name="now"/> is outside
    /// them. <paramref name="timeZoneId"/> is the profile's IANA zone; an unknown or missing one falls back to the default.
    /// </summary>
    public static DateTimeOffset? EndOf(QuietHours quiet, string? timeZoneId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(quiet);
        if (quiet.StartHour == quiet.EndHour)
        {
            return null;
        }

        var zone = TimeZones.Find(timeZoneId) ?? TimeZones.Find(quiet.DefaultTimeZone) ?? TimeZoneInfo.Utc;
        var local = TimeZoneInfo.ConvertTime(now, zone);
        var hour = local.Hour;
        var spansMidnight = quiet.StartHour > quiet.EndHour;
        var inside = spansMidnight
            ? hour >= quiet.StartHour || hour < quiet.EndHour
            : hour >= quiet.StartHour && hour < quiet.EndHour;
        if (!inside)
        {
            return null;
        }

        var endDate = spansMidnight && hour >= quiet.StartHour ? local.Date.AddDays(1) : local.Date;
        var end = endDate.AddHours(quiet.EndHour);

        // An end hour skipped by a daylight saving change opens the window an hour later.
        if (zone.IsInvalidTime(end))
        {
            end = end.AddHours(1);
        }

        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(DateTime.SpecifyKind(end, DateTimeKind.Unspecified), zone), TimeSpan.Zero);
    }
}
