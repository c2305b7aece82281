using System.Globalization;
using System.Text.Json;

namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// An operator with its operands, tested against one value: a trait, an event property, a computed
/// trait or a group trait.
/// </summary>
/// <remarks>
/// A missing value and a JSON null fail every operator but <c>not_exists</c>. The negative operators
/// <c>not_equals</c> and <c>not_contains</c> pass for any present value that their positive operator
/// fails, including a value of another type. Number operators read numeric strings as numbers and
/// fail on anything else. Date operators read ISO-8601 strings and take a value without a zone as UTC.
/// </remarks>
internal sealed class ValueTest
{
    public required ValueOperator Operator { get; init; }

    /// <summary>The operand of <c>equals</c> and <c>not_equals</c>.</summary>
    public ScalarOperand? Scalar { get; init; }

    /// <summary>The operands of <c>one_of</c>.</summary>
    public IReadOnlyList<ScalarOperand> Scalars { get; init; } = [];

    /// <summary>The operand of the substring operators.</summary>
    public string Text { get; init; } = string.Empty;

    /// <summary>The operand of the number comparisons, and the lower end of a number <c>between</c>.</summary>
    public JsonNumber Number { get; init; }

    public JsonNumber NumberTo { get; init; }

    /// <summary>Whether <c>between</c> compares dates rather than numbers.</summary>
    public bool IsDateRange { get; init; }

    /// <summary>The operand of <c>before</c> and <c>after</c>, and the lower end of a date <c>between</c>.</summary>
    public DateTimeOffset Date { get; init; }

    public DateTimeOffset DateTo { get; init; }

    /// <summary>The length of <c>within_last</c> and <c>within_next</c>.</summary>
    public int Days { get; init; }

    public StringComparison Comparison { get; init; } = StringComparison.Ordinal;

    public NodeResult Evaluate(JsonElement? value, DateTimeOffset now)
    {
        if (value is not { } present)
        {
            return NodeResult.Fixed(Operator == ValueOperator.NotExists);
        }

        return Operator switch
        {
            ValueOperator.WithinLast => EvaluateWithinLast(present, now),
            ValueOperator.WithinNext => EvaluateWithinNext(present, now),
            _ => NodeResult.Fixed(Test(present)),
        };
    }

    public string Description
    {
        get
        {
            var name = ValueOperators.NameOf(Operator);
            var operand = Operator switch
            {
                ValueOperator.Exists or ValueOperator.NotExists => string.Empty,
                ValueOperator.Equals or ValueOperator.NotEquals => " " + Scalar,
                ValueOperator.OneOf => " [" + string.Join(", ", Scalars) + "]",
                ValueOperator.Contains or ValueOperator.NotContains or ValueOperator.StartsWith
                    or ValueOperator.EndsWith => " " + JsonSerializer.Serialize(Text),
                ValueOperator.Between when IsDateRange =>
                    $" {IsoDates.Format(Date)} and {IsoDates.Format(DateTo)}",
                ValueOperator.Between => $" {Number} and {NumberTo}",
                ValueOperator.Before or ValueOperator.After => " " + IsoDates.Format(Date),
                ValueOperator.WithinLast or ValueOperator.WithinNext =>
                    " " + Days.ToString(CultureInfo.InvariantCulture) + " days",
                _ => " " + Number,
            };
            var caseNote = Comparison == StringComparison.OrdinalIgnoreCase ? " (case-insensitive)" : string.Empty;
            return name + operand + caseNote;
        }
    }

    private bool Test(JsonElement value)
    {
        switch (Operator)
        {
            case ValueOperator.Exists:
                return true;
            case ValueOperator.NotExists:
                return false;
            case ValueOperator.Equals:
                return Scalar!.Matches(value, Comparison);
            case ValueOperator.NotEquals:
                return !Scalar!.Matches(value, Comparison);
            case ValueOperator.OneOf:
                return Scalars.Any(operand => operand.Matches(value, Comparison));
            case ValueOperator.Contains:
                return Contains(value);
            case ValueOperator.NotContains:
                return !Contains(value);
            case ValueOperator.StartsWith:
                return value.ValueKind == JsonValueKind.String && value.GetString()!.StartsWith(Text, Comparison);
            case ValueOperator.EndsWith:
                return value.ValueKind == JsonValueKind.String && value.GetString()!.EndsWith(Text, Comparison);
            case ValueOperator.Before:
                return TryReadDate(value, out var before) && before < Date;
            case ValueOperator.After:
                return TryReadDate(value, out var after) && after > Date;
            case ValueOperator.Between when IsDateRange:
                return TryReadDate(value, out var date) && date >= Date && date <= DateTo;
            default:
                return JsonNumber.TryRead(value, out var number) && CompareNumber(number);
        }
    }

    private bool CompareNumber(JsonNumber number) => Operator switch
    {
        ValueOperator.LessThan => number.CompareTo(Number) < 0,
        ValueOperator.AtMost => number.CompareTo(Number) <= 0,
        ValueOperator.GreaterThan => number.CompareTo(Number) > 0,
        ValueOperator.AtLeast => number.CompareTo(Number) >= 0,
        ValueOperator.Between => number.CompareTo(Number) >= 0 && number.CompareTo(NumberTo) <= 0,
        _ => throw new InvalidOperationException($"Operator {Operator} does not compare numbers."),
    };

    /// <summary>Tests a string for a substring, or an array for a string element equal to the operand.</summary>
    private bool Contains(JsonElement value)
    {
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString()!.Contains(Text, Comparison);
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            return false;
        }

        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind == JsonValueKind.String && string.Equals(item.GetString(), Text, Comparison))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Passes from the date until <see cref="Days"/> days later.</summary>
    private NodeResult EvaluateWithinLast(JsonElement value, DateTimeOffset now)
    {
        if (!TryReadDate(value, out var date))
        {
            return NodeResult.Fixed(false);
        }

        var leaves = Instants.Add(date, TimeSpan.FromDays(Days));
        if (now < date)
        {
            return new NodeResult(false, date);
        }

        return now < leaves ? new NodeResult(true, Instants.OrNull(leaves)) : NodeResult.Fixed(false);
    }

    /// <summary>Passes from <see cref="Days"/> days before the date until the date.</summary>
    private NodeResult EvaluateWithinNext(JsonElement value, DateTimeOffset now)
    {
        if (!TryReadDate(value, out var date))
        {
            return NodeResult.Fixed(false);
        }

        var enters = Instants.Subtract(date, TimeSpan.FromDays(Days));
        if (now < enters)
        {
            return new NodeResult(false, enters);
        }

        return now < date ? new NodeResult(true, date) : NodeResult.Fixed(false);
    }

    private static bool TryReadDate(JsonElement value, out DateTimeOffset date)
    {
        date = default;
        return value.ValueKind == JsonValueKind.String && IsoDates.TryParse(value.GetString()!, out date, out _);
    }
}
