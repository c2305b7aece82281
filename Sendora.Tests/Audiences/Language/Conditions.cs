using Sendora.Grains.Audiences;
using Sendora.Grains.Audiences.Language;

namespace Sendora.Tests.Audiences.Language;

/// <summary>Fixed instants and shorthands shared by the condition tests.</summary>
internal static class Conditions
{
    /// <summary>Day 0 of every test timeline: 2026-03-01T00:00:00Z.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset Day(double days) => Start.AddDays(days);

    /// <summary>Parses a definition that must be valid, failing the test with its errors otherwise.</summary>
    public static Condition Parse(string json)
    {
        var result = Condition.Parse(json);
        Assert.True(result.Condition is not null, "Invalid condition: " + string.Join("; ", result.Errors));
        return result.Condition;
    }

    public static IReadOnlyList<ConditionError> Errors(string json)
    {
        var result = Condition.Parse(json);
        Assert.Null(result.Condition);
        Assert.NotEmpty(result.Errors);
        return result.Errors;
    }

    public static Evaluation Evaluate(string json, IProfileFacts facts, DateTimeOffset now) =>
        Parse(json).Evaluate(facts, now);

    public static bool Matches(string json, IProfileFacts facts, DateTimeOffset? now = null) =>
        Evaluate(json, facts, now ?? Start).Matches;
}
