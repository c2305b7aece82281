using System.Text.Json;

namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// A string, number or boolean that a condition compares a value with, for <c>equals</c>,
/// <c>not_equals</c> and <c>one_of</c>.
/// </summary>
internal sealed class ScalarOperand
{
    private enum ScalarKind
    {
        String,
        Number,
        Boolean,
    }

    private ScalarOperand(ScalarKind kind, string? text, JsonNumber number, bool boolean)
    {
        Kind = kind;
        Text = text;
        Number = number;
        Boolean = boolean;
    }

    private ScalarKind Kind { get; }

    private string? Text { get; }

    private JsonNumber Number { get; }

    private bool Boolean { get; }

    public static bool TryRead(JsonElement element, out ScalarOperand? operand)
    {
        operand = element.ValueKind switch
        {
            JsonValueKind.String => new ScalarOperand(ScalarKind.String, element.GetString(), default, false),
            JsonValueKind.Number when JsonNumber.TryRead(element, out var number) =>
                new ScalarOperand(ScalarKind.Number, null, number, false),
            JsonValueKind.True => new ScalarOperand(ScalarKind.Boolean, null, default, true),
            JsonValueKind.False => new ScalarOperand(ScalarKind.Boolean, null, default, false),
            _ => null,
        };
        return operand is not null;
    }

    /// <summary>
    /// Compares a present value with the operand. A string operand matches only strings. A number operand
    /// also matches numeric strings (<c>"42"</c> equals 42), and a boolean operand also matches the strings
    /// <c>"true"</c> and <c>"false"</c>.
    /// </summary>
    public bool Matches(JsonElement actual, StringComparison comparison)
    {
        switch (Kind)
        {
            case ScalarKind.String:
                return actual.ValueKind == JsonValueKind.String && string.Equals(actual.GetString(), Text, comparison);
            case ScalarKind.Number:
                return JsonNumber.TryRead(actual, out var number) && number.NumericallyEquals(Number);
            default:
                return actual.ValueKind switch
                {
                    JsonValueKind.True => Boolean,
                    JsonValueKind.False => !Boolean,
                    JsonValueKind.String => actual.GetString() == (Boolean ? "true" : "false"),
                    _ => false,
                };
        }
    }

    public override string ToString() => Kind switch
    {
        ScalarKind.String => JsonSerializer.Serialize(Text),
        ScalarKind.Number => Number.ToString(),
        _ => Boolean ? "true" : "false",
    };
}
