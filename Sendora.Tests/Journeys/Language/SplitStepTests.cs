using Sendora.Grains.Journeys;

namespace Sendora.Tests.Journeys.Language;

public sealed class SplitStepTests
{
    private static readonly SplitStep ThreeWay =
        new("split", [new SplitPath(50, "a"), new SplitPath(30, "b"), new SplitPath(20, "c")]);

    [Fact]
    public void PathFor_SameProfile_ReturnsSamePath()
    {
        var copy = new SplitStep("split", [new SplitPath(50, "a"), new SplitPath(30, "b"), new SplitPath(20, "c")]);

        for (var i = 0; i < 100; i++)
        {
            var profileId = $"profile-{i}";
            var first = ThreeWay.PathFor("welcome", profileId);
            Assert.Equal(first, ThreeWay.PathFor("welcome", profileId));
            Assert.Equal(first, copy.PathFor("welcome", profileId));
        }
    }

    [Fact]
    public void PathFor_KnownIds_KeepTheirBuckets()
    {
        // With 100 paths of 1 percent, the path index is the bucket. These values pin the hash and its mapping,
        // because a change would move running profiles to other paths.
        var hundredWay = new SplitStep("split", Enumerable.Repeat(new SplitPath(1, null), 100).ToList());

        var buckets = Enumerable.Range(0, 8).Select(i => hundredWay.PathFor("welcome", $"user-{i}")).ToList();

        Assert.Equal([10, 11, 73, 29, 42, 66, 16, 19], buckets);
    }

    [Theory]
    [InlineData(50, 30, 20)]
    [InlineData(10, 90, 0)]
    [InlineData(34, 33, 33)]
    [InlineData(1, 99, 0)]
    public void PathFor_ManyProfiles_FollowsPercents(int first, int second, int third)
    {
        int[] percents = third == 0 ? [first, second] : [first, second, third];
        var split = new SplitStep("split", percents.Select(p => new SplitPath(p, null)).ToList());
        const int profiles = 10_000;

        var counts = new int[percents.Length];
        for (var i = 0; i < profiles; i++)
        {
            counts[split.PathFor("welcome", $"user-{i}")]++;
        }

        for (var path = 0; path < percents.Length; path++)
        {
            var share = counts[path] * 100.0 / profiles;
            Assert.InRange(share, percents[path] - 2, percents[path] + 2);
        }
    }

    [Fact]
    public void PathFor_OtherJourneyOrStep_SplitsIndependently()
    {
        var even = new SplitStep("split", [new SplitPath(50, "a"), new SplitPath(50, "b")]);
        var otherStep = even with { Id = "split-2" };
        var profileIds = Enumerable.Range(0, 1_000).Select(i => $"user-{i}").ToList();

        var sameInOtherJourney = profileIds.Count(id => even.PathFor("welcome", id) == even.PathFor("winback", id));
        var sameInOtherStep = profileIds.Count(id => even.PathFor("welcome", id) == otherStep.PathFor("welcome", id));

        // Independent splits agree for about half of the profiles.
        Assert.InRange(sameInOtherJourney, 400, 600);
        Assert.InRange(sameInOtherStep, 400, 600);
    }

    [Fact]
    public void PathFor_SinglePath_ReturnsIt()
    {
        var single = new SplitStep("split", [new SplitPath(100, "a")]);

        Assert.All(Enumerable.Range(0, 100), i => Assert.Equal(0, single.PathFor("welcome", $"user-{i}")));
    }
}
