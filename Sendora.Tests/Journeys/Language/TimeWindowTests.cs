using System.Globalization;
using Sendora.Grains.Journeys;

namespace Sendora.Tests.Journeys.Language;

public sealed class TimeWindowTests
{
    private static readonly DayOfWeek[] Weekdays =
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    private static readonly DayOfWeek[] EveryDay = Enum.GetValues<DayOfWeek>();

    private static readonly TimeWindowStep OfficeHours = Window(Weekdays, "09:00", "17:00");

    [Theory]
    [InlineData("2026-12-02T10:00:00Z")] // Wednesday
    [InlineData("2026-12-02T09:00:00Z")] // the opening minute belongs to the window
    [InlineData("2026-12-02T16:59:59Z")]
    public void NextOpening_Inside_ReturnsNow(string now)
    {
        Assert.Equal(At(now), OfficeHours.NextOpening(At(now), null, "UTC"));
    }

    [Theory]
    [InlineData("2026-12-02T07:00:00Z", "2026-12-02T09:00:00Z")] // before, same day
    [InlineData("2026-12-02T18:00:00Z", "2026-12-03T09:00:00Z")] // after, next day
    [InlineData("2026-12-02T17:00:00Z", "2026-12-03T09:00:00Z")] // 'to' is not part of the window
    [InlineData("2026-12-04T18:00:00Z", "2026-12-07T09:00:00Z")] // Friday evening skips the weekend
    [InlineData("2026-12-05T12:00:00Z", "2026-12-07T09:00:00Z")] // Saturday
    [InlineData("2026-12-06T23:59:00Z", "2026-12-07T09:00:00Z")] // Sunday night
    public void NextOpening_Outside_ReturnsNextOpening(string now, string expected)
    {
        Assert.Equal(At(expected), OfficeHours.NextOpening(At(now), null, "UTC"));
    }

    [Theory]
    [InlineData("2026-12-04T23:00:00Z", "2026-12-04T23:00:00Z")] // Friday night, inside
    [InlineData("2026-12-05T05:59:00Z", "2026-12-05T05:59:00Z")] // Saturday morning, still inside
    [InlineData("2026-12-05T06:00:00Z", "2026-12-11T22:00:00Z")] // closed until next Friday
    [InlineData("2026-12-04T21:00:00Z", "2026-12-04T22:00:00Z")] // Friday, before it opens
    [InlineData("2026-12-03T23:00:00Z", "2026-12-04T22:00:00Z")] // Thursday night is not in the window
    [InlineData("2026-12-05T23:00:00Z", "2026-12-11T22:00:00Z")] // nor is Saturday night
    public void NextOpening_CrossingMidnight_OpensOnItsDays(string now, string expected)
    {
        var fridayNight = Window([DayOfWeek.Friday], "22:00", "06:00");

        Assert.Equal(At(expected), fridayNight.NextOpening(At(now), null, "UTC"));
    }

    [Fact]
    public void NextOpening_ProfileZone_UsesProfileLocalTime()
    {
        // 08:30 UTC is 09:30 in Berlin (UTC+1 in December) and 03:30 in New York.
        var now = At("2026-12-02T08:30:00Z");

        Assert.Equal(now, OfficeHours.NextOpening(now, "Europe/Berlin", "America/New_York"));
        Assert.Equal(At("2026-12-02T14:00:00Z"), OfficeHours.NextOpening(now, null, "America/New_York"));
    }

    [Theory]
    [InlineData("Mars/Olympus")]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("../../etc/passwd")]
    [InlineData("Europe")]
    [InlineData("localtime")]
    public void NextOpening_InvalidProfileZone_UsesJourneyZone(string? profileZone)
    {
        var now = At("2026-12-02T08:30:00Z");

        Assert.Equal(At("2026-12-02T14:00:00Z"), OfficeHours.NextOpening(now, profileZone, "America/New_York"));
    }

    [Fact]
    public void NextOpening_InvalidJourneyZone_Throws()
    {
        Assert.Throws<ArgumentException>(() => OfficeHours.NextOpening(At("2026-12-02T08:30:00Z"), null, "Mars/Olympus"));
    }

    [Theory]
    // Berlin moves from 02:00 CET to 03:00 CEST on 2026-03-29, at 01:00 UTC.
    [InlineData("09:00", "17:00", "2026-03-28T20:00:00Z", "2026-03-29T07:00:00Z")] // 09:00 CEST
    [InlineData("09:00", "17:00", "2026-03-27T20:00:00Z", "2026-03-28T08:00:00Z")] // 09:00 CET the day before
    [InlineData("02:30", "04:00", "2026-03-29T00:00:00Z", "2026-03-29T01:00:00Z")] // 02:30 is skipped: opens at the change
    [InlineData("02:30", "04:00", "2026-03-29T01:30:00Z", "2026-03-29T01:30:00Z")] // 03:30 CEST is inside
    [InlineData("02:00", "02:45", "2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z")] // the whole window is skipped that day
    [InlineData("23:00", "03:00", "2026-03-29T00:30:00Z", "2026-03-29T00:30:00Z")] // 01:30 CET is inside
    [InlineData("23:00", "03:00", "2026-03-29T01:00:00Z", "2026-03-29T21:00:00Z")] // closes at the change, since 03:00 is 'to'
    public void NextOpening_BerlinSpringForward_FollowsWallClock(string from, string to, string now, string expected)
    {
        Assert.Equal(At(expected), Window(EveryDay, from, to).NextOpening(At(now), null, "Europe/Berlin"));
    }

    [Theory]
    // Berlin moves from 03:00 CEST back to 02:00 CET on 2026-10-25, at 01:00 UTC.
    [InlineData("02:30", "04:00", "2026-10-24T23:00:00Z", "2026-10-25T00:30:00Z")] // first 02:30, in CEST
    [InlineData("09:00", "17:00", "2026-10-24T20:00:00Z", "2026-10-25T08:00:00Z")] // 09:00 CET
    [InlineData("02:00", "02:30", "2026-10-25T00:45:00Z", "2026-10-25T01:00:00Z")] // second 02:00, in CET
    [InlineData("01:30", "02:15", "2026-10-25T00:20:00Z", "2026-10-25T01:00:00Z")] // the clock goes back into the window
    [InlineData("02:00", "02:30", "2026-10-25T01:15:00Z", "2026-10-25T01:15:00Z")] // 02:15 CET is inside
    public void NextOpening_BerlinFallBack_FollowsWallClock(string from, string to, string now, string expected)
    {
        Assert.Equal(At(expected), Window(EveryDay, from, to).NextOpening(At(now), null, "Europe/Berlin"));
    }

    [Theory]
    // New York moves from 02:00 EST to 03:00 EDT on 2026-03-08, at 07:00 UTC.
    [InlineData("09:00", "17:00", "2026-03-08T05:00:00Z", "2026-03-08T13:00:00Z")] // 09:00 EDT
    [InlineData("02:00", "03:00", "2026-03-08T05:00:00Z", "2026-03-09T06:00:00Z")] // no 02:00 that day
    [InlineData("02:30", "05:00", "2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z")] // opens at the change, 03:00 EDT
    public void NextOpening_NewYorkSpringForward_FollowsWallClock(string from, string to, string now, string expected)
    {
        Assert.Equal(At(expected), Window(EveryDay, from, to).NextOpening(At(now), null, "America/New_York"));
    }

    [Theory]
    // New York moves from 02:00 EDT back to 01:00 EST on 2026-11-01, at 06:00 UTC.
    [InlineData("01:00", "01:30", "2026-11-01T04:00:00Z", "2026-11-01T05:00:00Z")] // first 01:00, in EDT
    [InlineData("01:00", "01:30", "2026-11-01T05:45:00Z", "2026-11-01T06:00:00Z")] // second 01:00, in EST
    [InlineData("09:00", "17:00", "2026-11-01T04:00:00Z", "2026-11-01T14:00:00Z")] // 09:00 EST
    public void NextOpening_NewYorkFallBack_FollowsWallClock(string from, string to, string now, string expected)
    {
        Assert.Equal(At(expected), Window(EveryDay, from, to).NextOpening(At(now), "America/New_York", "UTC"));
    }

    [Fact]
    public void NextOpening_WeekendBeforeChange_UsesNewOffset()
    {
        // Friday 2026-03-27 17:30 CET is closed; Monday 2026-03-30 09:00 is CEST, UTC+2.
        var opening = OfficeHours.NextOpening(At("2026-03-27T16:30:00Z"), "Europe/Berlin", "UTC");

        Assert.Equal(At("2026-03-30T07:00:00Z"), opening);
    }

    private static TimeWindowStep Window(IEnumerable<DayOfWeek> days, string from, string to) =>
        new("window", null, days.ToHashSet(), TimeOnly.ParseExact(from, "HH:mm", CultureInfo.InvariantCulture),
            TimeOnly.ParseExact(to, "HH:mm", CultureInfo.InvariantCulture));

    private static DateTimeOffset At(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture);
}
