using Sendora.Grains.Audiences.Language;
using Sendora.Grains.Journeys;

namespace Sendora.Tests.Journeys.Language;

/// <summary>Builders and shorthands shared by the journey definition tests.</summary>
internal static class Journeys
{
    public const string ExitStep = """{"id":"done","type":"exit"}""";

    public const string AudienceTrigger = """{"audience_entered":"trial-users"}""";

    /// <summary>
    /// Builds a definition around <paramref name="steps"/> (the items of the steps array), with a fixed name,
    /// an audience trigger unless <paramref name="trigger"/> is given, and <paramref name="extra"/> top-level keys.
    /// </summary>
    public static string Journey(string steps = ExitStep, string trigger = AudienceTrigger, string? extra = null) =>
        $$"""{"name":"Test journey","trigger":{{trigger}},{{(extra is null ? string.Empty : extra + ",")}}"steps":[{{steps}}]}""";

    /// <summary>Parses a definition that must be valid, failing the test with its errors otherwise.</summary>
    public static JourneyDefinition Parse(string json)
    {
        var result = JourneyDefinition.Parse(json);
        Assert.True(result.Definition is not null, "Invalid journey: " + string.Join("; ", result.Errors));
        return result.Definition;
    }

    public static IReadOnlyList<ConditionError> Errors(string json)
    {
        var result = JourneyDefinition.Parse(json);
        Assert.Null(result.Definition);
        Assert.NotEmpty(result.Errors);
        return result.Errors;
    }
}
