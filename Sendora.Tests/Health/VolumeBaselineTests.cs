using System.Globalization;
using Sendora.Grains.Ingestion;

namespace Sendora.Tests.Health;

public sealed class VolumeBaselineTests
{
    private static readonly DateTimeOffset Hour = DateTimeOffset.Parse("2026-11-10T14:00:00Z", CultureInfo.InvariantCulture);

    [Fact]
    public void Check_TwoDaysOfHistory_HasNoExpectation()
    {
        var check = VolumeBaseline.Check([Counts(-1, 10), Counts(-2, 10)], Hour, 50);

        Assert.Null(check.Expected);
        Assert.Equal(2, check.DaysWithData);
        Assert.False(check.IsOutside);
    }

    [Fact]
    public void Check_HourWithoutData_LeftOutOfMean()
    {
        var hours = new List<IntakeCounts> { Counts(-7, 20), Counts(-5, 10), Counts(-3, 0, rejected: 4), Counts(-1, 30) };

        var check = VolumeBaseline.Check(hours, Hour, 50);

        Assert.Equal(4, check.DaysWithData);
        Assert.Equal(15, check.Expected);
        Assert.Equal(7.5, check.Lower);
        Assert.Equal(22.5, check.Upper);
        Assert.True(check.IsOutside);
    }

    [Theory]
    [InlineData(5, false)]
    [InlineData(15, false)]
    [InlineData(4, true)]
    [InlineData(16, true)]
    public void Check_Observed_OutsideOnlyBeyondBounds(long observed, bool outside)
    {
        var hours = new List<IntakeCounts> { Counts(-3, 10), Counts(-2, 10), Counts(-1, 10), Counts(0, observed) };

        var check = VolumeBaseline.Check(hours, Hour, 50);

        Assert.Equal(observed, check.Observed);
        Assert.Equal(outside, check.IsOutside);
    }

    [Fact]
    public void Check_EightDaysAgo_IsNotHistory()
    {
        var hours = new List<IntakeCounts> { Counts(-8, 10), Counts(-2, 10), Counts(-1, 10) };

        Assert.Equal(2, VolumeBaseline.Check(hours, Hour, 50).DaysWithData);
    }

    private static IntakeCounts Counts(int days, long accepted, long rejected = 0) =>
        new() { Start = Hour.AddDays(days), Accepted = accepted, Rejected = rejected };
}
