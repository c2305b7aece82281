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

    /// <summary>
    /// Reads a JSON number whose value is a whole number that fits <see cref="long"/>, whatever its notation:
    /// <c>365</c>, <c>365.0</c> and <c>3.65e2</c> all read as 365, and <c>1.5</c> does not read.
    /// </summary>
    public static bool TryReadWhole(JsonElement element, out long value)
    {
        value = 0;
        if (element.ValueKind != JsonValueKind.Number)
        {
            return false;
        }

        if (element.TryGetInt64(out value))
        {
            return true;
        }

        // The fraction is checked on the text, because TryGetDecimal rounds digits past decimal's precision and
        // reads 1.00000000000000000000000000001 as 1.
        if (!HasNoFraction(element.GetRawText()) || !element.TryGetDecimal(out var exact)
            || exact < long.MinValue || exact > long.MaxValue)
        {
            return false;
        }

        value = (long)exact;
        return true;
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

    // A JSON number is digits D with a decimal point and an exponent, worth D × 10^-scale, where scale is the count
    // of digits after the point minus the exponent. It is whole when D is zero or ends in at least scale zeros.
    private static bool HasNoFraction(string json)
    {
        var exponentStart = json.IndexOfAny(['e', 'E']);
        long exponent = 0;
        if (exponentStart >= 0
            && !long.TryParse(json.AsSpan(exponentStart + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent))
        {
            return false;
        }

        var mantissa = exponentStart >= 0 ? json[..exponentStart] : json;
        var point = mantissa.IndexOf('.');
        var fractionLength = point >= 0 ? mantissa.Length - point - 1 : 0;
        var digits = mantissa.Replace(".", string.Empty, StringComparison.Ordinal).TrimStart('-');
        var significant = digits.TrimEnd('0');
        var trailingZeros = digits.Length - significant.Length;
        return significant.TrimStart('0').Length == 0 || trailingZeros >= fractionLength - exponent;
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
