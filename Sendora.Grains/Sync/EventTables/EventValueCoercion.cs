using System.Globalization;
using System.Text.Json;

namespace Sendora.Grains.Sync.EventTables;

/// <summary>
/// Infers the column type of a JSON property value and coerces values to the type of an existing column.
/// Column types only widen from bigint to numeric, and every other mismatch that cannot be coerced is discarded, so a
/// value that was stored once is stored again when its event is exported again.
/// </summary>
public static class EventValueCoercion
{
    /// <summary>
    /// The maximum number of digits before, and after, the decimal point of a number once written out. PostgreSQL's
    /// numeric stores more, but its text input rejects an exponent beyond ±1000 (NUMERIC_MAX_PRECISION in numeric.c),
    /// and within this bound every exponent sent is within ±1000.
    /// </summary>
    public const int MaxNumberDigits = 1000;

    /// <summary>
    /// Returns the type of a new column for <paramref name="value"/>: boolean for true and false, bigint for an integer
    /// that fits 64 bits, numeric for other numbers, text for strings and jsonb for arrays. Returns null for JSON null,
    /// which creates no column. Objects are flattened into columns before they get here.
    /// </summary>
    public static EventValue? Infer(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Null or JsonValueKind.Undefined => null,
        JsonValueKind.True => EventValue.Store("true", EventColumnType.Boolean),
        JsonValueKind.False => EventValue.Store("false", EventColumnType.Boolean),
        JsonValueKind.Number => NumberOf(value.GetRawText()),
        JsonValueKind.String => EventValue.Store(value.GetString()!, EventColumnType.Text),
        JsonValueKind.Array => EventValue.Store(value.GetRawText(), EventColumnType.Jsonb),
        _ => throw new ArgumentException($"A {value.ValueKind} value has no column of its own. Flatten objects into their leaf values first.", nameof(value)),
    };

    /// <summary>
    /// Coerces <paramref name="value"/> to a column of type <paramref name="column"/>. A bigint column widens to
    /// numeric for a number with a fraction or beyond 64 bits. A string that is a JSON number counts as that number in a
    /// bigint or numeric column. The strings "true" and "false", in any letter case, count as booleans in a boolean
    /// column. A text column takes numbers, booleans and arrays as their JSON text, and a jsonb column takes any value.
    /// Returns null for JSON null.
    /// </summary>
    public static EventValue? Coerce(JsonElement value, EventColumnType column)
    {
        if (value.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined)
        {
            return null;
        }

        return column switch
        {
            EventColumnType.Jsonb => EventValue.Store(value.GetRawText(), column),
            EventColumnType.Text => EventValue.Store(
                value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText(), column),
            EventColumnType.Boolean => BooleanOf(value),
            EventColumnType.BigInt or EventColumnType.Numeric => NumberIn(value, column),
            _ => throw new ArgumentOutOfRangeException(nameof(column), column, "Unknown event column type."),
        };
    }

    /// <summary>Returns the value's text as <c>discards.value</c> stores it: a string as itself, anything else as JSON.</summary>
    public static string DiscardedTextOf(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();

    /// <summary>
    /// Returns whether <paramref name="text"/> follows JSON's number grammar: an optional minus, digits without a
    /// leading zero, an optional fraction and an optional exponent. Blanks, a plus sign, "NaN" and "Infinity" fail.
    /// </summary>
    public static bool IsJsonNumber(string text) => Parse(text) is not null;

    private static EventValue BooleanOf(JsonElement value)
    {
        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return EventValue.Store(value.ValueKind == JsonValueKind.True ? "true" : "false", EventColumnType.Boolean);
        }

        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            if (text.Equals("true", StringComparison.OrdinalIgnoreCase) || text.Equals("false", StringComparison.OrdinalIgnoreCase))
            {
                return EventValue.Store(text.ToLowerInvariant(), EventColumnType.Boolean);
            }
        }

        return EventValue.Discard(EventColumnType.Boolean, DiscardReasons.TypeMismatch);
    }

    private static EventValue NumberIn(JsonElement value, EventColumnType column)
    {
        var text = value.ValueKind switch
        {
            JsonValueKind.Number => value.GetRawText(),
            JsonValueKind.String when IsJsonNumber(value.GetString()!) => value.GetString()!,
            _ => null,
        };
        if (text is null)
        {
            return EventValue.Discard(column, DiscardReasons.TypeMismatch);
        }

        var number = NumberOf(text);
        if (number.IsDiscarded)
        {
            return number with { Type = column };
        }

        // A numeric column stays numeric: only bigint widens.
        return column == EventColumnType.Numeric ? number with { Type = EventColumnType.Numeric } : number;
    }

    /// <summary>Returns a JSON number's text as bigint when it is an integer that fits 64 bits, otherwise as numeric.</summary>
    private static EventValue NumberOf(string text)
    {
        var parts = Parse(text) ?? throw new ArgumentException($"'{text}' is not a JSON number.", nameof(text));
        if (parts.IntegerDigits + parts.Exponent > MaxNumberDigits || parts.FractionDigits - parts.Exponent > MaxNumberDigits)
        {
            return EventValue.Discard(EventColumnType.Numeric, DiscardReasons.NumberOutOfRange);
        }

        var isInteger = parts.FractionDigits == 0 && !parts.HasExponent;
        return isInteger && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)
            ? EventValue.Store(text, EventColumnType.BigInt)
            : EventValue.Store(text, EventColumnType.Numeric);
    }

    /// <summary>Splits a JSON number into its digit counts and exponent, or returns null when it is not one.</summary>
    private static NumberParts? Parse(string text)
    {
        var i = 0;
        if (i < text.Length && text[i] == '-')
        {
            i++;
        }

        var integerStart = i;
        while (i < text.Length && char.IsAsciiDigit(text[i]))
        {
            i++;
        }

        var integerDigits = i - integerStart;
        if (integerDigits == 0 || (integerDigits > 1 && text[integerStart] == '0'))
        {
            return null;
        }

        var fractionDigits = 0;
        if (i < text.Length && text[i] == '.')
        {
            var fractionStart = ++i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            fractionDigits = i - fractionStart;
            if (fractionDigits == 0)
            {
                return null;
            }
        }

        long exponent = 0;
        var hasExponent = i < text.Length && text[i] is 'e' or 'E';
        if (hasExponent)
        {
            var exponentStart = ++i;
            if (i < text.Length && text[i] is '+' or '-')
            {
                i++;
            }

            var digitsStart = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            if (i == digitsStart)
            {
                return null;
            }

            // An exponent too long for a long is far beyond MaxNumberDigits either way.
            if (!long.TryParse(text.AsSpan(exponentStart, i - exponentStart), NumberStyles.AllowLeadingSign,
                    CultureInfo.InvariantCulture, out exponent))
            {
                exponent = text[exponentStart] == '-' ? -long.MaxValue / 2 : long.MaxValue / 2;
            }
        }

        return i == text.Length ? new NumberParts(integerDigits, fractionDigits, exponent, hasExponent) : null;
    }

    private sealed record NumberParts(int IntegerDigits, int FractionDigits, long Exponent, bool HasExponent);
}
