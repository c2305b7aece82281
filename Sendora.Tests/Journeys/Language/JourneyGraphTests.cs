using static Sendora.Tests.Journeys.Language.Journeys;

namespace Sendora.Tests.Journeys.Language;

public sealed class JourneyGraphTests
{
    private static string Delay(string id, string? next = null) => next is null
        ? $$"""{"id":"{{id}}","type":"delay","duration":{"hours":1} }"""
        : $$"""{"id":"{{id}}","type":"delay","duration":{"hours":1},"next":"{{next}}" }""";

    [Fact]
    public void Parse_TwoStepCycle_ReportsStepOnIt()
    {
        var error = Assert.Single(Errors(Journey(Delay("a", "b") + "," + Delay("b", "a"))));

        Assert.Equal("$.steps[0]", error.Path);
        Assert.Contains("The step \"a\" is on a cycle: a -> b -> a.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_StepLeadingToItself_ReportsCycle()
    {
        var error = Assert.Single(Errors(Journey(Delay("start", "loop") + "," + Delay("loop", "loop"))));

        Assert.Equal("$.steps[1]", error.Path);
        Assert.Contains("loop -> loop", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CycleThroughBranchElse_ReportsCycle()
    {
        var steps = """
            {"id":"check","type":"branch","branches":[{"condition":{"audience":"vip"},"next":"done"}],"else":"wait"},
            {"id":"wait","type":"wait_until","condition":{"audience":"vip"},"timeout":{"days":1},"timeout_next":"check"},
            {"id":"done","type":"exit"}
            """;

        var error = Assert.Single(Errors(Journey(steps)));

        Assert.Equal("$.steps[0]", error.Path);
        Assert.Contains("check -> wait -> check", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CycleThroughSplitPath_ReportsCycle()
    {
        var steps = """
            {"id":"split","type":"random_split","paths":[{"percent":50,"next":"again"},{"percent":50}]},
            {"id":"again","type":"delay","duration":{"days":1},"next":"split"}
            """;

        var error = Assert.Single(Errors(Journey(steps)));

        Assert.Contains("split -> again -> split", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_TwoSeparateCycles_ReportsBoth()
    {
        var steps = string.Join(",", Delay("a", "b"), Delay("b", "a"), Delay("c", "d"), Delay("d", "c"));

        var errors = Errors(Journey(steps, extra: "\"start\":\"a\""));

        Assert.Contains(errors, e => e.Path == "$.steps[0]" && e.Message.Contains("a -> b -> a", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Path == "$.steps[2]" && e.Message.Contains("c -> d -> c", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_RepeatedCycle_ReportsOnce()
    {
        var steps = """
            {"id":"wait","type":"delay","duration":{"days":1},"next":"check"},
            {"id":"check","type":"branch","branches":[{"condition":{"audience":"vip"},"next":"wait"}],"else":"wait"}
            """;

        var error = Assert.Single(Errors(Journey(steps)));

        Assert.Contains("wait -> check -> wait", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SharedTargets_AreNotCycles()
    {
        var steps = """
            {"id":"check","type":"branch","branches":[{"condition":{"audience":"vip"},"next":"mail"}],"else":"wait"},
            {"id":"wait","type":"delay","duration":{"days":1},"next":"mail"},
            {"id":"mail","type":"send_email","template":"welcome"}
            """;

        Assert.Equal(3, Parse(Journey(steps)).Steps.Count);
    }

    [Fact]
    public void Parse_UnreachableStep_ReportsIt()
    {
        var error = Assert.Single(Errors(Journey(Delay("a") + "," + Delay("orphan", "a"))));

        Assert.Equal("$.steps[1]", error.Path);
        Assert.Contains("The step \"orphan\" cannot be reached from the start step \"a\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_StartElsewhere_ReportsStepsBeforeIt()
    {
        var errors = Errors(Journey(Delay("intro", "main") + "," + Delay("main"), extra: "\"start\":\"main\""));

        Assert.Equal("$.steps[0]", Assert.Single(errors).Path);
    }

    [Fact]
    public void Parse_StartElsewhere_Starts()
    {
        var journey = Parse(Journey(Delay("later") + "," + Delay("first", "later"), extra: "\"start\":\"first\""));

        Assert.Equal("first", journey.StartStepId);
    }

    [Theory]
    [InlineData("""{"id":"a","type":"delay","duration":{"days":1},"next":"missing"}""", "$.steps[0].next", "'next'")]
    [InlineData("""{"id":"a","type":"branch","branches":[{"condition":{"audience":"x"}}],"else":"missing"}""", "$.steps[0].else", "'else'")]
    [InlineData("""{"id":"a","type":"branch","branches":[{"condition":{"audience":"x"},"next":"missing"}]}""", "$.steps[0].branches[0].next", "'next'")]
    [InlineData("""{"id":"a","type":"wait_until","event":{"event":"A"},"timeout":{"days":1},"timeout_next":"missing"}""", "$.steps[0].timeout_next", "'timeout_next'")]
    [InlineData("""{"id":"a","type":"random_split","paths":[{"percent":100,"next":"missing"}]}""", "$.steps[0].paths[0].next", "'next'")]
    public void Parse_LinkToMissingStep_ReportsLink(string step, string path, string key)
    {
        var error = Assert.Single(Errors(Journey(step)));

        Assert.Equal(path, error.Path);
        Assert.Contains($"{key} must name a step of this journey, but no step has the id \"missing\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_StartMissing_ReportsStart()
    {
        var error = Assert.Single(Errors(Journey(extra: "\"start\":\"nowhere\"")));

        Assert.Equal("$.start", error.Path);
        Assert.Contains("'start' must name a step of this journey, but no step has the id \"nowhere\"", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_StepOfUnknownType_SkipsReachability()
    {
        // The unknown step's links are unknown, so "b" may well be reached through it.
        var error = Assert.Single(Errors(Journey("""{"id":"a","type":"teleport","next":"b"},""" + Delay("b"))));

        Assert.Equal("$.steps[0].type", error.Path);
    }

    [Fact]
    public void Parse_InvalidStepId_StillChecksItsLinks()
    {
        var errors = Errors(Journey("""{"id":"A","type":"delay","duration":{"days":1},"next":"missing"}"""));

        Assert.Equal(["$.steps[0].id", "$.steps[0].next"], errors.Select(e => e.Path));
    }
}
