using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Sendora.Grains;

namespace Sendora.Gateway.Hosting;

/// <summary>
/// Reads an <see cref="int"/> of a request body from any JSON number whose value is whole, such as <c>100.0</c> or
/// <c>1e2</c>, which System.Text.Json's own converter rejects. A number with a fraction, such as <c>1.5</c>, or one
/// outside the range of <see cref="int"/> is still an error, which <see cref="BadRequestExceptionHandler"/> reports
/// with the field's path.
/// </summary>
public sealed class WholeNumberJsonConverter : JsonConverter<int>
{
    private static readonly string Expected = string.Create(CultureInfo.InvariantCulture,
        $"a whole number from {int.MinValue:N0} to {int.MaxValue:N0}");

    public override int Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw new JsonException($"The value must be {Expected}, not {Describe(reader.TokenType)}.");
        }

        if (reader.TryGetInt32(out var value))
        {
            return value;
        }

        using var number = JsonDocument.ParseValue(ref reader);
        if (!JsonWholeNumber.TryRead(number.RootElement, out var whole) || whole is < int.MinValue or > int.MaxValue)
        {
            throw new JsonException($"The value must be {Expected}, not {number.RootElement.GetRawText()}.");
        }

        return (int)whole;
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    public override void Write(Utf8JsonWriter writer, int value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumberValue(value);
    }
}
