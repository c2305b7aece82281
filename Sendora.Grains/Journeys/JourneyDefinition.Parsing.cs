namespace Sendora.Grains.Journeys;

public sealed partial class JourneyDefinition
{
    /// <summary>Parses and validates a journey definition, reporting every problem with its JSON path.</summary>
    public static JourneyParseResult Parse(string json) =>
        throw new NotImplementedException("The journey definition parser is written next.");
}
