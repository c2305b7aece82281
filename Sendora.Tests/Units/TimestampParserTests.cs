using Sendora.Gateway.Tracking;

namespace Sendora.Tests.Units;

public sealed class TimestampParserTests
{
    public static TheoryData<string, string> ValidTimestamps => new()
    {
        { "2024-03-05T10:15:00.123Z", "2024-03-05T10:15:00.123Z" },
        { "2024-03-05T10:15:00.123z", "2024-03-05T10:15:00.123Z" },
        { "2024-03-05T10:15:00.123+05:30", "2024-03-05T04:45:00.123Z" },
        { "2024-03-05T10:15:00.123-0800", "2024-03-05T18:15:00.123Z" },
        { "2024-03-05T10:15:00.123+05", "2024-03-05T05:15:00.123Z" },
        { "2024-03-05T23:30:00-08:00", "2024-03-06T07:30:00.000Z" },
        { "2015-2-02T00:30:08.276Z", "2015-02-02T00:30:08.276Z" },
        { "2015-12-2T00:30:08.276Z", "2015-12-02T00:30:08.276Z" },
        { "2024-03-05T10:15:00.123456789Z", "2024-03-05T10:15:00.123Z" },
        { "2024-03-05T10:15:00.9Z", "2024-03-05T10:15:00.900Z" },
        { "2024-03-05T10:15:00Z", "2024-03-05T10:15:00.000Z" },
        { "2024-03-05 10:15:00Z", "2024-03-05T10:15:00.000Z" },
        { "  2024-03-05T10:15:00Z  ", "2024-03-05T10:15:00.000Z" },
        { "2020-05-09 23:54:49.209808489 +0000 UTC m=+70366.298768264", "2020-05-09T23:54:49.209Z" },
        { "2020-05-09 23:54:49.209808489 +0200 CEST", "2020-05-09T21:54:49.209Z" },
        { "2020-05-09 23:54:49 +0000 UTC", "2020-05-09T23:54:49.000Z" },
    };

    [Theory]
    [MemberData(nameof(ValidTimestamps))]
    public void TryParse_ValidText_ReturnsUtcInstant(string text, string expected)
    {
        var parsed = TimestampParser.TryParse(text, out var value, out _);

        Assert.True(parsed, $"'{text}' was not parsed.");
        Assert.Equal(expected, TimestampParser.Format(value));
        Assert.Equal(TimeSpan.Zero, value.Offset);
    }

    [Theory]
    [InlineData("2024-03-05T10:15:00.123Z")]
    [InlineData("2024-03-05T10:15:00.123+05:30")]
    [InlineData("2024-03-05T10:15:00.123-0800")]
    [InlineData("2024-03-05T10:15:00.123+05")]
    [InlineData("2020-05-09 23:54:49.209808489 +0000 UTC m=+70366.298768264")]
    public void TryParse_TextWithZone_ReportsZone(string text)
    {
        TimestampParser.TryParse(text, out _, out var hasZone);

        Assert.True(hasZone);
    }

    [Fact]
    public void TryParse_NoZone_AssumesUtc()
    {
        var parsed = TimestampParser.TryParse("2024-03-05T10:15:00.123", out var value, out var hasZone);

        Assert.True(parsed);
        Assert.False(hasZone);
        Assert.Equal(new DateTimeOffset(2024, 3, 5, 10, 15, 0, 123, TimeSpan.Zero), value);
    }

    [Fact]
    public void TryParse_NineFractionDigits_Truncates()
    {
        TimestampParser.TryParse("2024-03-05T10:15:00.123456789Z", out var value, out _);

        Assert.Equal(1_234_567, value.UtcTicks % TimeSpan.TicksPerSecond);
    }

    [Fact]
    public void TryParse_GoFraction_Truncates()
    {
        TimestampParser.TryParse("2020-05-09 23:54:49.209808489 +0000 UTC m=+70366.298768264", out var value, out _);

        Assert.Equal(2_098_084, value.UtcTicks % TimeSpan.TicksPerSecond);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("2024-13-01T00:00:00Z")]
    [InlineData("2024-02-30T00:00:00Z")]
    [InlineData("2024-03-05T25:00:00Z")]
    [InlineData("2024-03-05T10:15:00+5")]
    [InlineData("2024-03-05")]
    [InlineData("1709633700")]
    public void TryParse_InvalidText_ReturnsFalse(string text)
    {
        var parsed = TimestampParser.TryParse(text, out _, out _);

        Assert.False(parsed, $"'{text}' was parsed.");
    }

    [Fact]
    public void Format_AnyOffset_WritesUtcMillisecondsWithZ()
    {
        var value = new DateTimeOffset(2026, 12, 4, 11, 15, 0, 123, TimeSpan.FromHours(1)).AddTicks(9_999);

        Assert.Equal("2026-12-04T10:15:00.123Z", TimestampParser.Format(value));
    }

    [Fact]
    public void Format_WholeSecond_WritesThreeZeroDigits()
    {
        var value = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        Assert.Equal("2026-01-02T03:04:05.000Z", TimestampParser.Format(value));
    }
}
