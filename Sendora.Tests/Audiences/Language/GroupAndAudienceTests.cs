using static Sendora.Tests.Audiences.Language.Conditions;

namespace Sendora.Tests.Audiences.Language;

public sealed class GroupAndAudienceTests
{
    private const string EnterpriseWhere = """{"trait":"plan","operator":"equals","value":"enterprise"}""";

    private static FakeProfileFacts TwoGroups() => new FakeProfileFacts()
        .WithGroup("""{"plan":"enterprise","seats":50}""")
        .WithGroup("""{"plan":"free","seats":3}""");

    [Fact]
    public void Groups_Any_OneGroupMatches()
    {
        Assert.True(Matches($$"""{"groups":"any","where":{{EnterpriseWhere}}}""", TwoGroups()));
    }

    [Fact]
    public void Groups_All_OneGroupFails()
    {
        Assert.False(Matches($$"""{"groups":"all","where":{{EnterpriseWhere}}}""", TwoGroups()));
        Assert.True(Matches("""{"groups":"all","where":{"trait":"seats","operator":"at_least","value":3}}""", TwoGroups()));
    }

    [Fact]
    public void Groups_None_OneGroupMatches()
    {
        Assert.False(Matches($$"""{"groups":"none","where":{{EnterpriseWhere}}}""", TwoGroups()));
        Assert.True(Matches("""{"groups":"none","where":{"trait":"plan","operator":"equals","value":"pro"}}""", TwoGroups()));
    }

    [Fact]
    public void Groups_NoGroups_AnyAndAllFalse()
    {
        var facts = new FakeProfileFacts();

        Assert.False(Matches($$"""{"groups":"any","where":{{EnterpriseWhere}}}""", facts));
        Assert.False(Matches($$"""{"groups":"all","where":{{EnterpriseWhere}}}""", facts));
        Assert.True(Matches($$"""{"groups":"none","where":{{EnterpriseWhere}}}""", facts));
    }

    [Fact]
    public void Groups_WithoutWhere_TestsMembership()
    {
        var none = new FakeProfileFacts();

        Assert.True(Matches("""{"groups":"any"}""", TwoGroups()));
        Assert.False(Matches("""{"groups":"any"}""", none));
        Assert.True(Matches("""{"groups":"none"}""", none));
        Assert.False(Matches("""{"groups":"none"}""", TwoGroups()));
    }

    [Fact]
    public void Groups_NestedWhere_CombinesPerGroup()
    {
        const string condition = """
            {"groups":"any","where":{"all":[
              {"trait":"plan","operator":"equals","value":"free"},
              {"trait":"seats","operator":"greater_than","value":10}]}}
            """;

        // No single group is both free and larger than 10 seats.
        Assert.False(Matches(condition, TwoGroups()));
    }

    [Fact]
    public void Groups_DateTrait_HasNextChange()
    {
        var facts = new FakeProfileFacts().WithGroup("""{"trial_ends_at":"2026-03-10T00:00:00Z"}""");

        var result = Evaluate("""{"groups":"any","where":{"trait":"trial_ends_at","operator":"within_next","days":3}}""", facts, Day(1));

        Assert.False(result.Matches);
        Assert.Equal(Day(6), result.NextChangeAt);
    }

    [Fact]
    public void Audience_Member_Matches()
    {
        var facts = new FakeProfileFacts().WithMembership("aud_vip");

        Assert.True(Matches("""{"audience":"aud_vip"}""", facts));
        Assert.False(Matches("""{"audience":"aud_churned"}""", facts));
        Assert.False(Matches("""{"not":{"audience":"aud_vip"}}""", facts));
        Assert.True(Matches("""{"not":{"audience":"aud_churned"}}""", facts));
    }

    [Fact]
    public void Audience_Ids_AreCollected()
    {
        var condition = Parse("""
            {"all":[{"audience":"aud_vip"},{"not":{"audience":"aud_churned"}},{"any":[{"audience":"aud_vip"}]}]}
            """);

        Assert.Equal(["aud_churned", "aud_vip"], condition.AudienceIds.Order());
        Assert.Empty(condition.ComputedTraitKeys);
    }
}
