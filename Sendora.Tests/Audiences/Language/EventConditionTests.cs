using static Sendora.Tests.Audiences.Language.Conditions;

namespace Sendora.Tests.Audiences.Language;

public sealed class EventConditionTests
{
    private const string ThreeOrdersInSevenDays =
        """{"event":"Order Completed","count":{"at_least":3},"window":{"last":{"days":7}}}""";

    private static FakeProfileFacts OrdersOnDays(params double[] days)
    {
        var facts = new FakeProfileFacts();
        foreach (var day in days)
        {
            facts.WithEvent("Order Completed", Day(day));
        }

        return facts;
    }

    [Fact]
    public void LastWindow_ThreeOrders_LeaveAtDaySeven()
    {
        var facts = OrdersOnDays(0, 2, 5);

        var daySix = Evaluate(ThreeOrdersInSevenDays, facts, Day(6));
        var justBefore = Evaluate(ThreeOrdersInSevenDays, facts, Day(7).AddTicks(-1));
        var daySeven = Evaluate(ThreeOrdersInSevenDays, facts, Day(7));

        Assert.True(daySix.Matches);
        Assert.Equal(Day(7), daySix.NextChangeAt);
        Assert.True(justBefore.Matches);
        Assert.Equal(Day(7), justBefore.NextChangeAt);
        Assert.False(daySeven.Matches);
        Assert.Null(daySeven.NextChangeAt);
    }

    [Fact]
    public void LastWindow_FourOrders_LeaveAtDayEight()
    {
        var facts = OrdersOnDays(0, 1, 2, 5);

        var result = Evaluate(ThreeOrdersInSevenDays, facts, Day(6));

        Assert.True(result.Matches);
        Assert.Equal(Day(8), result.NextChangeAt);
    }

    [Fact]
    public void LastWindow_TwoOrders_NeverMatch()
    {
        var facts = OrdersOnDays(0, 2);

        var result = Evaluate(ThreeOrdersInSevenDays, facts, Day(3));

        Assert.False(result.Matches);
        Assert.Null(result.NextChangeAt);
    }

    [Fact]
    public void LastWindow_SameTimestamps_LeaveTogether()
    {
        var facts = OrdersOnDays(1, 1, 1);

        var result = Evaluate(ThreeOrdersInSevenDays, facts, Day(2));

        Assert.True(result.Matches);
        Assert.Equal(Day(8), result.NextChangeAt);
    }

    [Fact]
    public void LastWindow_FutureEvent_CountsAtOnce()
    {
        var facts = OrdersOnDays(0.5);

        var result = Evaluate("""{"event":"Order Completed","window":{"last":{"days":1}}}""", facts, Day(0.25));

        Assert.True(result.Matches);
        Assert.Equal(Day(1.5), result.NextChangeAt);
    }

    [Fact]
    public void LastWindow_Hours_LeavesAfterHours()
    {
        var facts = new FakeProfileFacts().WithEvent("Signed In", Start);

        var result = Evaluate("""{"event":"Signed In","window":{"last":{"hours":2}}}""", facts, Start.AddHours(1));

        Assert.True(result.Matches);
        Assert.Equal(Start.AddHours(2), result.NextChangeAt);
    }

    [Fact]
    public void LastWindow_Minutes_LeavesAfterMinutes()
    {
        var facts = new FakeProfileFacts().WithEvent("Cart Viewed", Start);

        var result = Evaluate("""{"event":"Cart Viewed","window":{"last":{"minutes":30}}}""", facts, Start.AddMinutes(10));

        Assert.True(result.Matches);
        Assert.Equal(Start.AddMinutes(30), result.NextChangeAt);
    }

    [Fact]
    public void NoCount_MeansAtLeastOnce()
    {
        var noOrders = new FakeProfileFacts();
        var oneOrder = OrdersOnDays(0);

        Assert.False(Matches("""{"event":"Order Completed"}""", noOrders));
        Assert.True(Matches("""{"event":"Order Completed"}""", oneOrder));
    }

    [Fact]
    public void NoWindow_CountsEveryKeptEvent()
    {
        var facts = OrdersOnDays(-400, -10, 0);

        var result = Evaluate("""{"event":"Order Completed","count":{"at_least":3}}""", facts, Start);

        Assert.True(result.Matches);
        Assert.Null(result.NextChangeAt);
    }

    [Fact]
    public void AtMost_ExpiringEvents_EntersWhenCountDrops()
    {
        const string condition = """{"event":"Order Completed","count":{"at_most":2},"window":{"last":{"days":7}}}""";
        var facts = OrdersOnDays(0, 2, 5);

        var daySix = Evaluate(condition, facts, Day(6));
        var daySeven = Evaluate(condition, facts, Day(7));

        Assert.False(daySix.Matches);
        Assert.Equal(Day(7), daySix.NextChangeAt);
        Assert.True(daySeven.Matches);
        Assert.Null(daySeven.NextChangeAt);
    }

    [Fact]
    public void AtLeastAndAtMost_FormRange()
    {
        const string condition = """{"event":"Order Completed","count":{"at_least":2,"at_most":3}}""";

        Assert.False(Matches(condition, OrdersOnDays(0)));
        Assert.True(Matches(condition, OrdersOnDays(0, 1)));
        Assert.True(Matches(condition, OrdersOnDays(0, 1, 2)));
        Assert.False(Matches(condition, OrdersOnDays(0, 1, 2, 3)));
    }

    [Fact]
    public void Exactly_ExpiringEvents_MatchesOnlyInBand()
    {
        const string condition = """{"event":"Order Completed","count":{"exactly":2},"window":{"last":{"days":7}}}""";
        var facts = OrdersOnDays(0, 2, 5);

        var daySix = Evaluate(condition, facts, Day(6));
        var daySeven = Evaluate(condition, facts, Day(7));
        var dayNine = Evaluate(condition, facts, Day(9));

        Assert.False(daySix.Matches);
        Assert.Equal(Day(7), daySix.NextChangeAt);
        Assert.True(daySeven.Matches);
        Assert.Equal(Day(9), daySeven.NextChangeAt);
        Assert.False(dayNine.Matches);
        Assert.Null(dayNine.NextChangeAt);
    }

    [Fact]
    public void NotEvent_EntersWhenEventExpires()
    {
        const string condition = """{"not":{"event":"Order Completed","window":{"last":{"days":7}}}}""";
        var facts = OrdersOnDays(0);

        var dayThree = Evaluate(condition, facts, Day(3));
        var daySeven = Evaluate(condition, facts, Day(7));

        Assert.False(dayThree.Matches);
        Assert.Equal(Day(7), dayThree.NextChangeAt);
        Assert.True(daySeven.Matches);
        Assert.Null(daySeven.NextChangeAt);
    }

    [Fact]
    public void ExactlyZero_EntersWhenEventExpires()
    {
        const string condition = """{"event":"Order Completed","count":{"exactly":0},"window":{"last":{"days":7}}}""";
        var facts = OrdersOnDays(0);

        var dayThree = Evaluate(condition, facts, Day(3));
        var daySeven = Evaluate(condition, facts, Day(7));
        var never = Evaluate(condition, new FakeProfileFacts(), Day(3));

        Assert.False(dayThree.Matches);
        Assert.Equal(Day(7), dayThree.NextChangeAt);
        Assert.True(daySeven.Matches);
        Assert.Null(daySeven.NextChangeAt);
        Assert.True(never.Matches);
        Assert.Null(never.NextChangeAt);
    }

    [Fact]
    public void BetweenDaysAgo_Event_EntersAndLeavesBand()
    {
        const string condition = """{"event":"Order Completed","window":{"between_days_ago":[7,14]}}""";
        var facts = OrdersOnDays(0);

        var dayThree = Evaluate(condition, facts, Day(3));
        var daySeven = Evaluate(condition, facts, Day(7));
        var dayFourteen = Evaluate(condition, facts, Day(14));

        Assert.False(dayThree.Matches);
        Assert.Equal(Day(7), dayThree.NextChangeAt);
        Assert.True(daySeven.Matches);
        Assert.Equal(Day(14), daySeven.NextChangeAt);
        Assert.False(dayFourteen.Matches);
        Assert.Null(dayFourteen.NextChangeAt);
    }

    [Fact]
    public void BetweenDaysAgo_Count_WaitsForSecondEvent()
    {
        const string condition =
            """{"event":"Order Completed","count":{"at_least":2},"window":{"between_days_ago":[7,14]}}""";
        var facts = OrdersOnDays(0, 1);

        var daySeven = Evaluate(condition, facts, Day(7));
        var dayEight = Evaluate(condition, facts, Day(8));

        Assert.False(daySeven.Matches);
        Assert.Equal(Day(8), daySeven.NextChangeAt);
        Assert.True(dayEight.Matches);
        Assert.Equal(Day(14), dayEight.NextChangeAt);
    }

    [Fact]
    public void Since_CountsEventsFromInstant()
    {
        const string condition = """{"event":"Order Completed","count":{"at_least":2},"window":{"since":"2026-03-02T00:00:00Z"}}""";

        var before = Evaluate(condition, OrdersOnDays(0, 2), Day(3));
        var after = Evaluate(condition, OrdersOnDays(1, 2), Day(3));

        Assert.False(before.Matches);
        Assert.Null(before.NextChangeAt);
        Assert.True(after.Matches);
        Assert.Null(after.NextChangeAt);
    }

    [Fact]
    public void EventName_IsCaseSensitive()
    {
        var facts = new FakeProfileFacts().WithEvent("order completed", Start);

        Assert.False(Matches("""{"event":"Order Completed"}""", facts));
    }

    [Fact]
    public void Type_DefaultsToTrack()
    {
        var page = new FakeProfileFacts().WithEvent("Pricing", Start, type: "page");
        var track = new FakeProfileFacts().WithEvent("Pricing", Start);

        Assert.False(Matches("""{"event":"Pricing"}""", page));
        Assert.True(Matches("""{"event":"Pricing"}""", track));
        Assert.True(Matches("""{"event":"Pricing","type":"track"}""", track));
    }

    [Fact]
    public void PageAndScreen_MatchByName()
    {
        var facts = new FakeProfileFacts()
            .WithEvent("Pricing", Start, type: "page")
            .WithEvent("Settings", Start, type: "screen")
            .WithEvent(string.Empty, Start, type: "page");

        Assert.True(Matches("""{"event":"Pricing","type":"page"}""", facts));
        Assert.False(Matches("""{"event":"Pricing","type":"screen"}""", facts));
        Assert.True(Matches("""{"event":"Settings","type":"screen"}""", facts));
        Assert.False(Matches("""{"event":"Docs","type":"page"}""", facts));
        Assert.True(Matches("""{"type":"page","count":{"exactly":2}}""", facts));
        Assert.True(Matches("""{"event":"","type":"page","count":{"exactly":1}}""", facts));
    }

    [Fact]
    public void Where_FiltersOnProperties()
    {
        var facts = new FakeProfileFacts()
            .WithEvent("Order Completed", Day(0), """{"total":50,"currency":"EUR"}""")
            .WithEvent("Order Completed", Day(1), """{"total":"150","currency":"EUR"}""")
            .WithEvent("Order Completed", Day(2), """{"total":300,"currency":"USD"}""");

        const string bigEuroOrders = """
            {"event":"Order Completed","count":{"at_least":1},
             "where":{"all":[
               {"property":"total","operator":"greater_than","value":100},
               {"property":"currency","operator":"equals","value":"EUR"}]}}
            """;
        const string twoBigOrders = """
            {"event":"Order Completed","count":{"at_least":2},
             "where":{"property":"total","operator":"at_least","value":150}}
            """;
        const string threeBigOrders = """
            {"event":"Order Completed","count":{"at_least":3},
             "where":{"property":"total","operator":"at_least","value":150}}
            """;

        Assert.True(Matches(bigEuroOrders, facts, Day(3)));
        Assert.True(Matches(twoBigOrders, facts, Day(3)));
        Assert.False(Matches(threeBigOrders, facts, Day(3)));
    }

    [Fact]
    public void Where_NestedProperty_ReadsDottedPath()
    {
        var facts = new FakeProfileFacts()
            .WithEvent("Order Completed", Start, """{"shipping":{"address":{"country":"FR"}}}""");

        Assert.True(Matches("""{"event":"Order Completed","where":{"property":"shipping.address.country","operator":"equals","value":"FR"}}""", facts));
        Assert.False(Matches("""{"event":"Order Completed","where":{"property":"shipping.address.country","operator":"equals","value":"DE"}}""", facts));
    }

    [Fact]
    public void Where_RelativeDate_BoundsNextChange()
    {
        var facts = new FakeProfileFacts()
            .WithEvent("Subscription Renewed", Day(0), """{"renews_at":"2026-03-20T00:00:00Z"}""");
        const string condition = """
            {"event":"Subscription Renewed","where":{"property":"renews_at","operator":"within_next","days":7}}
            """;

        var early = Evaluate(condition, facts, Day(1));
        var inside = Evaluate(condition, facts, Day(15));

        Assert.False(early.Matches);
        Assert.Equal(Day(12), early.NextChangeAt);
        Assert.True(inside.Matches);
        Assert.Equal(Day(19), inside.NextChangeAt);
    }

    [Fact]
    public void OtherEvents_AreIgnored()
    {
        var facts = new FakeProfileFacts()
            .WithEvent("Product Viewed", Day(0))
            .WithEvent("Order Completed", Day(1));

        var result = Evaluate("""{"event":"Product Viewed","count":{"at_least":2}}""", facts, Day(2));

        Assert.False(result.Matches);
    }
}
