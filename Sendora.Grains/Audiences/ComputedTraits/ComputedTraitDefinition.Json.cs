using System.Text.Json;

namespace Sendora.Grains.Audiences.ComputedTraits;

/// <summary>Builds the JSON values that computed traits return.</summary>
public sealed partial class ComputedTraitDefinition
{
    // Dividing by 1 with 28 zero decimals strips the trailing zeros that decimal arithmetic keeps (12.50 → 12.5).
    private const decimal ScaleNormalizer = 1.0000000000000000000000000000m;

    private static JsonElement NumberElement(decimal value) =>
        JsonSerializer.SerializeToElement(value / ScaleNormalizer);

    private static JsonElement NumberElement(long value) => JsonSerializer.SerializeToElement(value);

    private static JsonElement TextElement(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }

    private static JsonElement ListElement(IReadOnlyList<string> values)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var value in values)
            {
                writer.WriteRawValue(value);
            }

            writer.WriteEndArray();
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }
}
