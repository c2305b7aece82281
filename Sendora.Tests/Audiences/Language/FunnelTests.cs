using static Sendora.Tests.Audiences.Language.Conditions;

namespace Sendora.Tests.Audiences.Language;

public sealed class FunnelTests
{
    private const string CheckoutThenOrder = """
        {"funnel":{"first":{"event":"Checkout Started"},"then":{"event":"Order Completed"},"within":{"hours":1}}}
        """;

    private const string CheckoutWithoutOrder = """
        {"funnel":{"first":{"event":"Checkout Started"},"without":{"event":"Order Completed"},"within":{"hours":1}}}
        """;

    [Fact]
    public void Then_SecondWithinWindow_Matches()
    {
        var facts = new FakeProfileFacts()
            .WithEvent("Checkout Started", Start)
            .WithEvent("Order Completed", Start.AddMinutes(30));

        var result = Evaluate(CheckoutThenOrder, facts, Start.AddHours(2));

        Assert.True(result.Matches);
        Assert.Null(result.NextChangeAt);
    }

    [Fact]
    public void Then_SecondAfterWindow_DoesNotMatch()
    {
        var facts = new FakeProfileFacts()
            .WithEvent("Checkout Started", Start)
            .WithEvent("Order Completed", Start.AddHours(1));

        var result = Evaluate(CheckoutThenOrder, facts, Start.AddHours(2));

        Assert.False(result.Matches);
        Assert.Null(result.NextChangeAt);
    }

    [Fact]
    public void Then_SecondBeforeFirst_DoesNotMatch()
    {
        var facts = new FakeProfileFacts()
            .WithEvent("Order Completed", Start)
            .WithEvent("Checkout Started", Start.AddMinutes(10));

        Assert.False(Matches(CheckoutThenOrder, facts, Start.AddHours(2)));
    }

    [Fact]
    public void Then_SameTimestamp_Matches()
    {
        var facts = new FakeProfileFacts()
            .WithEvent("Checkout Started", Start)
            .WithEvent("Order Completed", Start);

        Assert.True(Matches(CheckoutThenOrder, facts, Start));
    }

    [Fact]
    public void Then_SameEventTwice_NeedsTwo()
    {
        const string viewedTwice = """
            {"funnel":{"first":{"event":"Product Viewed"},"then":{"event":"Product Viewed"},"within":{"minutes":10}}}
            """;
        var once = new FakeProfileFacts().WithEvent("Product Viewed", Start);
        var twice = new FakeProfileFacts()
            .WithEvent("Product Viewed", Start)
            .WithEvent("Product Viewed", Start.AddMinutes(5));

        Assert.False(Matches(viewedTwice, once, Start.AddHours(1)));
        Assert.True(Matches(viewedTwice, twice, Start.AddHours(1)));
    }

    [Fact]
    public void Then_StepWhere_FiltersEvents()
    {
        const string condition = """
            {"funnel":{
              "first":{"event":"Checkout Started","where":{"property":"total","operator":"greater_than","value":100}},
              "then":{"event":"Order Completed"},
              "within":{"hours":1}}}
            """;
        var small = new FakeProfileFacts()
            .WithEvent("Checkout Started", Start, """{"total":20}""")
            .WithEvent("Order Completed", Start.AddMinutes(5));
        var large = new FakeProfileFacts()
            .WithEvent("Checkout Started", Start, """{"total":200}""")
            .WithEvent("Order Completed", Start.AddMinutes(5));

        Assert.False(Matches(condition, small, Start.AddHours(2)));
        Assert.True(Matches(condition, large, Start.AddHours(2)));
    }

    [Fact]
    public void Then_OuterWindow_LeavesWhenFirstExpires()
    {
        const string condition = """
            {"funnel":{"first":{"event":"Checkout Started"},"then":{"event":"Order Completed"},
                       "within":{"hours":1},"window":{"last":{"days":7}}}}
            """;
        var facts = new FakeProfileFacts()
            .WithEvent("Checkout Started", Day(0))
            .WithEvent("Order Completed", Day(0).AddMinutes(10))
            .WithEvent("Checkout Started", Day(2))
            .WithEvent("Order Completed", Day(2).AddMinutes(10));

        var dayThree = Evaluate(condition, facts, Day(3));
        var dayEight = Evaluate(condition, facts, Day(8));
        var dayNine = Evaluate(condition, facts, Day(9));

        Assert.True(dayThree.Matches);
        Assert.Equal(Day(9), dayThree.NextChangeAt);
        Assert.True(dayEight.Matches);
        Assert.False(dayNine.Matches);
        Assert.Null(dayNine.NextChangeAt);
    }

    [Fact]
    public void Without_NoSecond_MatchesOnceWindowPasses()
    {
        var facts = new FakeProfileFacts().WithEvent("Checkout Started", Start);

        var waiting = Evaluate(CheckoutWithoutOrder, facts, Start.AddMinutes(30));
        var passed = Evaluate(CheckoutWithoutOrder, facts, Start.AddHours(1));

        Assert.False(waiting.Matches);
        Assert.Equal(Start.AddHours(1), waiting.NextChangeAt);
        Assert.True(passed.Matches);
        Assert.Null(passed.NextChangeAt);
    }

    [Fact]
    public void Without_SecondWithinWindow_NeverMatches()
    {
        var facts = new FakeProfileFacts()
            .WithEvent("Checkout Started", Start)
            .WithEvent("Order Completed", Start.AddMinutes(10));

        var early = Evaluate(CheckoutWithoutOrder, facts, Start.AddMinutes(30));
        var late = Evaluate(CheckoutWithoutOrder, facts, Start.AddHours(3));

        Assert.False(early.Matches);
        Assert.Null(early.NextChangeAt);
        Assert.False(late.Matches);
    }

    [Fact]
    public void Without_SecondAfterWindow_Matches()
    {
        var facts = new FakeProfileFacts()
            .WithEvent("Checkout Started", Start)
            .WithEvent("Order Completed", Start.AddHours(2));

        Assert.True(Matches(CheckoutWithoutOrder, facts, Start.AddHours(3)));
    }

    [Fact]
    public void Without_OneAbandonedCheckout_Matches()
    {
        var facts = new FakeProfileFacts()
            .WithEvent("Checkout Started", Day(0))
            .WithEvent("Order Completed", Day(0).AddMinutes(5))
            .WithEvent("Checkout Started", Day(1));

        var result = Evaluate(CheckoutWithoutOrder, facts, Day(1).AddMinutes(30));

        Assert.False(result.Matches);
        Assert.Equal(Day(1).AddHours(1), result.NextChangeAt);
    }

    [Fact]
    public void Without_OuterWindow_LeavesWhenFirstExpires()
    {
        const string condition = """
            {"funnel":{"first":{"event":"Checkout Started"},"without":{"event":"Order Completed"},
                       "within":{"hours":1},"window":{"last":{"days":1}}}}
            """;
        var facts = new FakeProfileFacts().WithEvent("Checkout Started", Start);

        var waiting = Evaluate(condition, facts, Start.AddMinutes(10));
        var abandoned = Evaluate(condition, facts, Start.AddHours(2));
        var expired = Evaluate(condition, facts, Day(1));

        Assert.False(waiting.Matches);
        Assert.Equal(Start.AddHours(1), waiting.NextChangeAt);
        Assert.True(abandoned.Matches);
        Assert.Equal(Day(1), abandoned.NextChangeAt);
        Assert.False(expired.Matches);
        Assert.Null(expired.NextChangeAt);
    }

    [Fact]
    public void Without_NoFirst_NeverMatches()
    {
        var result = Evaluate(CheckoutWithoutOrder, new FakeProfileFacts(), Start);

        Assert.False(result.Matches);
        Assert.Null(result.NextChangeAt);
    }
}
