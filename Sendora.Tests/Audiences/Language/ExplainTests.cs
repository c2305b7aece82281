using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Sendora.Grains.Audiences.Language;
using static Sendora.Tests.Audiences.Language.Conditions;

namespace Sendora.Tests.Audiences.Language;

public sealed class ExplainTests
{
    [Fact]
    public void Explain_NestedCondition_TracesEveryNode()
    {
        var condition = Parse("""
            {"all":[
              {"trait":"plan","operator":"equals","value":"pro"},
              {"not":{"audience":"aud_churned"}},
              {"event":"Order Completed","count":{"at_least":3},"window":{"last":{"days":7}},
               "where":{"property":"total","operator":"greater_than","value":100}}]}
            """);
        var facts = new FakeProfileFacts()
            .WithTraits("""{"plan":"pro"}""")
            .WithEvent("Order Completed", Day(0), """{"total":150}""")
            .WithEvent("Order Completed", Day(2), """{"total":250}""")
            .WithEvent("Order Completed", Day(5), """{"total":350}""");

        var trace = condition.Explain(facts, Day(6));

        var nodes = Flatten(trace).ToList();
        Assert.Equal(
            ["$", "$.all[0]", "$.all[1]", "$.all[1].not", "$.all[2]", "$.all[2].where"],
            nodes.Select(node => node.Path));
        Assert.All(nodes, node => Assert.False(string.IsNullOrWhiteSpace(node.Description)));
        Assert.True(trace.Result);
        Assert.Equal(Day(7), trace.NextChangeAt);
        Assert.Equal("all of 3 conditions", trace.Description);
        Assert.Equal("trait \"plan\" equals \"pro\"", nodes[1].Description);
        Assert.True(nodes[2].Result);
        Assert.False(nodes[3].Result);
        Assert.Equal("member of audience \"aud_churned\"", nodes[3].Description);
        Assert.Equal(
            "performed track \"Order Completed\" with matching properties at least 3 times in the last 7 days: 3 found",
            nodes[4].Description);
        Assert.Equal(Day(7), nodes[4].NextChangeAt);
        Assert.Equal("property \"total\" greater_than 100", nodes[5].Description);
        Assert.True(nodes[5].Result);
    }

    [Fact]
    public void Explain_MatchesEvaluate()
    {
        var condition = Parse("""
            {"any":[{"trait":"plan","operator":"equals","value":"pro"},
                    {"event":"Order Completed","window":{"last":{"days":7}}}]}
            """);
        var facts = new FakeProfileFacts().WithEvent("Order Completed", Day(1));

        var trace = condition.Explain(facts, Day(3));
        var evaluation = condition.Evaluate(facts, Day(3));

        Assert.Equal(evaluation.Matches, trace.Result);
        Assert.Equal(evaluation.NextChangeAt, trace.NextChangeAt);
        Assert.False(trace.Children[0].Result);
        Assert.True(trace.Children[1].Result);
    }

    [Fact]
    public void Explain_Funnel_TracesSteps()
    {
        var condition = Parse("""
            {"funnel":{"first":{"event":"Checkout Started"},"without":{"event":"Order Completed"},"within":{"hours":1}}}
            """);
        var facts = new FakeProfileFacts().WithEvent("Checkout Started", Start);

        var trace = condition.Explain(facts, Start.AddHours(2));

        Assert.True(trace.Result);
        Assert.Equal(
            "performed track \"Checkout Started\" not followed by track \"Order Completed\" within 1 hour: 1 first event qualifies",
            trace.Description);
        Assert.Equal(["$.funnel.first", "$.funnel.without"], trace.Children.Select(child => child.Path));
        Assert.True(trace.Children[0].Result);
        Assert.False(trace.Children[1].Result);
    }

    [Fact]
    public void Explain_Groups_TracesWhereAcrossGroups()
    {
        var condition = Parse("""{"groups":"all","where":{"trait":"plan","operator":"equals","value":"enterprise"}}""");
        var facts = new FakeProfileFacts()
            .WithGroup("""{"plan":"enterprise"}""")
            .WithGroup("""{"plan":"free"}""");

        var trace = condition.Explain(facts, Start);

        Assert.False(trace.Result);
        Assert.Equal("every group matches", trace.Description);
        var where = Assert.Single(trace.Children);
        Assert.Equal("$.where", where.Path);
        Assert.True(where.Result);
    }

    [Fact]
    public void Trace_RoundTripsThroughOrleans()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var condition = Parse("""{"not":{"event":"Order Completed","window":{"last":{"days":7}}}}""");
        var facts = new FakeProfileFacts().WithEvent("Order Completed", Start);
        var trace = condition.Explain(facts, Day(1));

        var copy = serializer.Deserialize<ConditionTrace>(serializer.SerializeToArray(trace));
        var evaluation = serializer.Deserialize<Evaluation>(
            serializer.SerializeToArray(condition.Evaluate(facts, Day(1))));

        Assert.NotNull(copy);
        Assert.Equal(trace.Path, copy.Path);
        Assert.Equal(trace.Description, copy.Description);
        Assert.Equal(Day(7), copy.NextChangeAt);
        Assert.Equal(trace.Children[0].Description, Assert.Single(copy.Children).Description);
        Assert.Equal(new Evaluation(false, Day(7)), evaluation);
    }

    private static IEnumerable<ConditionTrace> Flatten(ConditionTrace trace) =>
        new[] { trace }.Concat(trace.Children.SelectMany(Flatten));
}
