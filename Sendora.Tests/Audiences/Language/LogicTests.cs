using static Sendora.Tests.Audiences.Language.Conditions;

namespace Sendora.Tests.Audiences.Language;

public sealed class LogicTests
{
    private const string Pro = """{"trait":"plan","operator":"equals","value":"pro"}""";
    private const string Recent = """{"trait":"seen_at","operator":"within_last","days":7}""";
    private const string Soon = """{"trait":"renews_at","operator":"within_next","days":3}""";

    private static FakeProfileFacts Profile(string plan) => new FakeProfileFacts().WithTraits($$"""
        {"plan":"{{plan}}","seen_at":"2026-03-01T00:00:00Z","renews_at":"2026-03-10T00:00:00Z"}
        """);

    [Fact]
    public void All_EveryPartTrue_Matches()
    {
        var result = Evaluate($$"""{"all":[{{Pro}},{"trait":"plan","operator":"exists"}]}""", Profile("pro"), Start);

        Assert.True(result.Matches);
        Assert.Null(result.NextChangeAt);
    }

    [Fact]
    public void All_OnePartFalse_DoesNotMatch()
    {
        Assert.False(Matches($$"""{"all":[{{Pro}},{"trait":"plan","operator":"not_exists"}]}""", Profile("pro")));
    }

    [Fact]
    public void All_TrueParts_ChangeAtEarliestPart()
    {
        var result = Evaluate($$"""{"all":[{{Pro}},{{Recent}},{{Soon}}]}""", Profile("pro"), Day(6.5));

        Assert.True(result.Matches);
        Assert.Equal(Day(7), result.NextChangeAt);
    }

    [Fact]
    public void All_FixedFalsePart_HasNoChange()
    {
        var result = Evaluate($$"""{"all":[{{Pro}},{{Soon}}]}""", Profile("free"), Day(2));

        Assert.False(result.Matches);
        Assert.Null(result.NextChangeAt);
    }

    [Fact]
    public void All_FalseTimedPart_ChangesWithThatPart()
    {
        var result = Evaluate($$"""{"all":[{{Pro}},{{Soon}}]}""", Profile("pro"), Day(2));

        Assert.False(result.Matches);
        Assert.Equal(Day(6), result.NextChangeAt);
    }

    [Fact]
    public void Any_OnePartTrue_Matches()
    {
        var result = Evaluate($$"""{"any":[{{Pro}},{"trait":"plan","operator":"equals","value":"enterprise"}]}""", Profile("pro"), Start);

        Assert.True(result.Matches);
        Assert.Null(result.NextChangeAt);
    }

    [Fact]
    public void Any_TrueTimedPart_ChangesWithThatPart()
    {
        var result = Evaluate($$"""{"any":[{{Pro}},{{Recent}}]}""", Profile("free"), Day(2));

        Assert.True(result.Matches);
        Assert.Equal(Day(7), result.NextChangeAt);
    }

    [Fact]
    public void Any_FixedTruePart_HasNoChange()
    {
        var result = Evaluate($$"""{"any":[{{Pro}},{{Recent}}]}""", Profile("pro"), Day(2));

        Assert.True(result.Matches);
        Assert.Null(result.NextChangeAt);
    }

    [Fact]
    public void Any_AllFalse_ChangesAtEarliestPart()
    {
        var result = Evaluate($$"""{"any":[{{Pro}},{{Soon}}]}""", Profile("free"), Day(2));

        Assert.False(result.Matches);
        Assert.Equal(Day(6), result.NextChangeAt);
    }

    [Fact]
    public void Not_InvertsAndKeepsChange()
    {
        var result = Evaluate($$"""{"not":{{Recent}} }""", Profile("pro"), Day(2));
        var notNot = Evaluate($$"""{"not":{"not":{{Pro}} } }""", Profile("pro"), Day(2));

        Assert.False(result.Matches);
        Assert.Equal(Day(7), result.NextChangeAt);
        Assert.True(notNot.Matches);
    }

    [Fact]
    public void Nested_AllAnyNot_Combine()
    {
        const string condition = """
            {"all":[
              {"any":[
                {"trait":"plan","operator":"equals","value":"pro"},
                {"trait":"plan","operator":"equals","value":"enterprise"}]},
              {"not":{"trait":"email","operator":"ends_with","value":"@example.com"}}]}
            """;
        var customer = new FakeProfileFacts().WithTraits("""{"plan":"enterprise","email":"a@acme.io"}""");
        var staff = new FakeProfileFacts().WithTraits("""{"plan":"enterprise","email":"a@example.com"}""");

        Assert.True(Matches(condition, customer));
        Assert.False(Matches(condition, staff));
    }

    [Fact]
    public void Mixed_EventAndTrait_ChangeAtExpiry()
    {
        const string condition = """
            {"all":[
              {"trait":"plan","operator":"equals","value":"pro"},
              {"event":"Order Completed","count":{"at_least":2},"window":{"last":{"days":30}}}]}
            """;
        var facts = Profile("pro")
            .WithEvent("Order Completed", Day(0))
            .WithEvent("Order Completed", Day(10));

        var result = Evaluate(condition, facts, Day(11));

        Assert.True(result.Matches);
        Assert.Equal(Day(30), result.NextChangeAt);
    }
}
