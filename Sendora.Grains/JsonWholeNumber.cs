using System.Globalization;
using System.Text.Json;

namespace Sendora.Grains;

/// <summary>
/// Reads JSON numbers that must be whole. A number counts as whole when its value is, whatever its notation:
/// <c>365</c>, <c>365.0</c> and <c>3.65e2</c> all read as 365, and <c>1.5</c> does not read.
/// </summary>
public static class JsonWholeNumber
{
    /// <summary>Reads a JSON number whose value is a whole number that fits <see cref="long"/>.</summary>
    public static bool TryRead(JsonElement element, out long value)
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
}
