using System.Globalization;
using Sendora.Grains.Channels;

namespace Sendora.Tests.Channels;

public sealed class QuietHoursWindowTests
{
    private static readonly QuietHours Overnight = new() { StartHour = 21, EndHour = 8, DefaultTimeZone = "Europe/Paris" };

    [Theory]
    [InlineData("2026-12-04T12:00:00Z", "Asia/Tokyo", "2026-12-04T23:00:00Z")]
    [InlineData("2026-12-04T20:00:00Z", "Asia/Tokyo", "2026-12-04T23:00:00Z")]
    [InlineData("2026-12-04T22:30:00Z", "UTC", "2026-12-05T08:00:00Z")]
    [InlineData("2026-12-05T03:00:00Z", "America/New_York", "2026-12-05T13:00:00Z")]
    [InlineData("2026-12-04T21:00:00Z", "Not/AZone", "2026-12-05T07:00:00Z")]
    [InlineData("2026-12-04T21:00:00Z", "Europe", "2026-12-05T07:00:00Z")]
    [InlineData("2026-12-04T21:00:00Z", "localtime", "2026-12-05T07:00:00Z")]
    [InlineData("2026-12-04T21:00:00Z", null, "2026-12-05T07:00:00Z")]
    public void EndOf_InsideQuietHours_ReturnsLocalEndHour(string now, string? zone, string expected)
    {
        var end = QuietHoursWindow.EndOf(Overnight, zone, Parse(now));

        Assert.Equal(Parse(expected), end);
    }

    [Theory]
    [InlineData("2026-12-04T12:00:00Z", "UTC")]
    [InlineData("2026-12-04T07:59:59Z", "Europe/Paris")]
    [InlineData("2026-12-04T00:00:00Z", "Asia/Tokyo")]
    public void EndOf_OutsideQuietHours_ReturnsNull(string now, string zone)
    {
        Assert.Null(QuietHoursWindow.EndOf(Overnight, zone, Parse(now)));
    }

    [Fact]
    public void EndOf_DaytimeWindow_EndsSameDay()
    {
        var lunch = new QuietHours { StartHour = 12, EndHour = 14, DefaultTimeZone = "UTC" };

        Assert.Equal(Parse("2026-12-04T14:00:00Z"), QuietHoursWindow.EndOf(lunch, null, Parse("2026-12-04T13:10:00Z")));
        Assert.Null(QuietHoursWindow.EndOf(lunch, null, Parse("2026-12-04T14:00:00Z")));
    }

    private static DateTimeOffset Parse(string value) => DateTimeOffset.Parse(value, CultureInfo.InvariantCulture);
}
