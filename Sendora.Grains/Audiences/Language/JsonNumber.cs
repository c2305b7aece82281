using System.Globalization;
using System.Text.Json;

namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// A number read from JSON or from a numeric string. It keeps the exact decimal when the value fits
/// <see cref="decimal"/>, so large integer ids compare exactly, and falls back to a finite double.
/// </summary>
internal readonly record struct JsonNumber(decimal? Exact, double Approximate) : IComparable<JsonNumber>
{
    public static JsonNumber FromDecimal(decimal value) => new(value, (double)value);

    /// <summary>Reads a JSON number, or a string such as <c>"42"</c> or <c>" 1.5e3 "</c>, as a number.</summary>
    public static bool TryRead(JsonElement element, out JsonNumber number)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number when element.TryGetDecimal(out var exact):
                number = FromDecimal(exact);
                return true;
            case JsonValueKind.Number when element.TryGetDouble(out var approximate) && double.IsFinite(approximate):
                number = new JsonNumber(null, approximate);
                return true;
            case JsonValueKind.String:
                return TryParse(element.GetString()!, out number);
            default:
                number = default;
                return false;
        }
    }

    public static bool TryParse(string text, out JsonNumber number)
    {
        if (decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var exact))
        {
            number = FromDecimal(exact);
            return true;
        }

        // double.TryParse also accepts "NaN" and "Infinity", which are not numbers in JSON.
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var approximate)
            && double.IsFinite(approximate))
        {
            number = new JsonNumber(null, approximate);
            return true;
        }

        number = default;
        return false;
    }

    public int CompareTo(JsonNumber other) =>
        Exact is { } left && other.Exact is { } right
            ? left.CompareTo(right)
            : Approximate.CompareTo(other.Approximate);

    public bool NumericallyEquals(JsonNumber other) => CompareTo(other) == 0;

    public override string ToString() =>
        Exact is { } exact
            ? exact.ToString(CultureInfo.InvariantCulture)
            : Approximate.ToString("R", CultureInfo.InvariantCulture);
}
