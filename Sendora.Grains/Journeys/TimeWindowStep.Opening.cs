namespace Sendora.Grains.Journeys;

public sealed partial record TimeWindowStep
{
    // A window opens at least once a week. Two weeks and a day also cover an opening that a clock change skips.
    private const int SearchDays = 15;

    /// <summary>
    /// Returns <paramref name="now"/> when the profile's local time is inside the window, else the next instant
    /// the window opens. Local time is in <paramref name="profileTimeZone"/> when it is a known IANA id, else in
    /// <paramref name="journeyTimeZone"/>.
    /// </summary>
    /// <remarks>
    /// The window follows the wall clock: it is open while the local time is from <see cref="From"/> to before
    /// <see cref="To"/> on one of <see cref="Days"/>, or, when <see cref="To"/> is earlier than <see cref="From"/>,
    /// from <see cref="From"/> on one of <see cref="Days"/> to <see cref="To"/> on the next day. When the clocks
    /// jump forward over <see cref="From"/>, the window opens at the jump if the new local time is before
    /// <see cref="To"/>. When they go back, a wall time that occurs twice opens the window at its first
    /// occurrence, and again at the second if the window closed in between.
    /// </remarks>
    public DateTimeOffset NextOpening(DateTimeOffset now, string? profileTimeZone, string journeyTimeZone)
    {
        var zone = TimeZones.Find(profileTimeZone)
            ?? TimeZones.Find(journeyTimeZone)
            ?? throw new ArgumentException(
                $"The journey time zone \"{journeyTimeZone}\" is not a known IANA time zone id.",
                nameof(journeyTimeZone));
        if (IsOpenAt(now, zone))
        {
            return now;
        }

        // The window opens where the local time reaches From, or where an offset change moves the clock into it.
        var searchEnd = now.AddDays(SearchDays);
        var candidates = OpeningTimes(now, zone).Concat(OffsetChanges(now, searchEnd, zone)).Order();
        foreach (var candidate in candidates)
        {
            if (candidate > now && IsOpenAt(candidate, zone))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"The time window of step \"{Id}\" does not open within {SearchDays} days of {now:O} in {zone.Id}.");
    }

    private bool IsOpenAt(DateTimeOffset instant, TimeZoneInfo zone)
    {
        var local = TimeZoneInfo.ConvertTime(instant, zone).DateTime;
        var time = TimeOnly.FromDateTime(local);
        if (From < To)
        {
            return Days.Contains(local.DayOfWeek) && time >= From && time < To;
        }

        // The window crosses midnight: it opened today at From, or yesterday and has not reached To yet.
        return (Days.Contains(local.DayOfWeek) && time >= From)
            || (Days.Contains(local.AddDays(-1).DayOfWeek) && time < To);
    }

    /// <summary>Returns every instant at which the local time is <see cref="From"/> on the search days.</summary>
    private IEnumerable<DateTimeOffset> OpeningTimes(DateTimeOffset now, TimeZoneInfo zone)
    {
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, zone).DateTime);
        for (var day = 0; day <= SearchDays; day++)
        {
            var wallTime = today.AddDays(day).ToDateTime(From, DateTimeKind.Unspecified);
            if (zone.IsInvalidTime(wallTime))
            {
                // A skipped wall time never occurs. OffsetChanges returns the instant the clock jumps past it.
                continue;
            }

            if (zone.IsAmbiguousTime(wallTime))
            {
                foreach (var offset in zone.GetAmbiguousTimeOffsets(wallTime))
                {
                    yield return new DateTimeOffset(wallTime, offset);
                }

                continue;
            }

            yield return new DateTimeOffset(wallTime, zone.GetUtcOffset(wallTime));
        }
    }

    /// <summary>Returns each instant from start to end at which the zone's UTC offset changes.</summary>
    private static IEnumerable<DateTimeOffset> OffsetChanges(
        DateTimeOffset start, DateTimeOffset end, TimeZoneInfo zone)
    {
        const long secondsPerDay = 24 * 60 * 60;

        // This finds at most one change a day, so two changes within 24 hours would be missed.
        for (var dayStart = start.ToUnixTimeSeconds(); dayStart < end.ToUnixTimeSeconds(); dayStart += secondsPerDay)
        {
            var low = dayStart;
            var high = dayStart + secondsPerDay;
            var offset = OffsetAt(low);
            if (OffsetAt(high) == offset)
            {
                continue;
            }

            // Offsets change on whole seconds. Narrow until high is the first second on the new offset.
            while (high - low > 1)
            {
                var middle = low + ((high - low) / 2);
                if (OffsetAt(middle) == offset)
                {
                    low = middle;
                }
                else
                {
                    high = middle;
                }
            }

            yield return DateTimeOffset.FromUnixTimeSeconds(high);
        }

        TimeSpan OffsetAt(long unixSeconds) => zone.GetUtcOffset(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));
    }
}
