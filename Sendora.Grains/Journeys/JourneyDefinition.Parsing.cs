using System.Globalization;
using System.Text;
using System.Text.Json;
using Sendora.Grains.Audiences.Language;

namespace Sendora.Grains.Journeys;

public sealed partial class JourneyDefinition
{
    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = JourneyLimits.MaxJsonDepth };

    /// <summary>
    /// Parses and validates a journey definition, reporting every problem with its JSON path. An invalid
    /// definition never throws: the result then has no definition and lists every error found.
    /// </summary>
    public static JourneyParseResult Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (TooLarge(Encoding.UTF8.GetByteCount(json)) is { } tooLarge)
        {
            return tooLarge;
        }

        try
        {
            using var document = JsonDocument.Parse(json, JsonOptions);
            return new JourneyParser().Parse(document.RootElement);
        }
        catch (JsonException exception)
        {
            var error = new ConditionError(JsonPath.Root, "The definition is not valid JSON: " + exception.Message);
            return new JourneyParseResult(null, [error]);
        }
    }

    /// <summary>Parses and validates a definition that is already JSON, like <see cref="Parse(string)"/>.</summary>
    public static JourneyParseResult Parse(JsonElement definition)
    {
        // A default element has no text to measure, and the parser reports it as not being an object.
        var bytes = definition.ValueKind == JsonValueKind.Undefined
            ? 0
            : Encoding.UTF8.GetByteCount(definition.GetRawText());
        return TooLarge(bytes) ?? new JourneyParser().Parse(definition);
    }

    private static JourneyParseResult? TooLarge(int bytes)
    {
        if (bytes <= JourneyLimits.MaxDefinitionBytes)
        {
            return null;
        }

        // The size is checked before anything is parsed, so an oversized definition costs no more than counting it.
        const int limit = JourneyLimits.MaxDefinitionBytes;
        var size = string.Create(CultureInfo.InvariantCulture,
            $"The definition is {bytes:N0} bytes of JSON, over the limit of {limit:N0} bytes (256 KB).");
        var message = size + " Move large content into templates, or split the journey.";
        return new JourneyParseResult(null, [new ConditionError(JsonPath.Root, message)]);
    }
}
