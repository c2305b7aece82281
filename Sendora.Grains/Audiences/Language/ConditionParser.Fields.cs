using System.Text.Json;

namespace Sendora.Grains.Audiences.Language;

internal sealed partial class ConditionParser
{
    private FieldNode? ParseField(
        JsonElement element, string path, string fieldKey, FieldSource source, ConditionScope scope)
    {
        var errorsBefore = reader.ErrorCount;
        var nameElement = element.GetProperty(fieldKey);
        var name = nameElement.ValueKind == JsonValueKind.String ? nameElement.GetString()! : string.Empty;
        var namePath = JsonPath.Property(path, fieldKey);
        if (name.Length == 0)
        {
            reader.Error(namePath,
                $"'{fieldKey}' must be a non-empty string, not {DefinitionReader.Describe(nameElement)}.");
        }
        else if (source != FieldSource.ComputedTrait && !FieldPath.IsValid(name))
        {
            reader.Error(namePath, $"'{name}' is not a valid {fieldKey} name. "
                + "Separate nested names with single dots, as in address.city.");
        }

        var operatorPath = JsonPath.Property(path, "operator");
        var operatorNames = ValueOperators.AllNames
            .Where(candidate => scope != ConditionScope.ComputedTraitProperties
                || !ValueOperators.IsRelativeToNow(ValueOperators.Parse(candidate)));
        if (!element.TryGetProperty("operator", out var operatorElement))
        {
            reader.Error(operatorPath,
                $"The key 'operator' is missing. Use one of: {DefinitionReader.List(operatorNames)}.");
            return null;
        }

        if (operatorElement.ValueKind != JsonValueKind.String)
        {
            reader.Error(operatorPath, $"'operator' must be a string, not "
                + $"{DefinitionReader.Describe(operatorElement)}. Use one of: {DefinitionReader.List(operatorNames)}.");
            return null;
        }

        if (!ValueOperators.TryParse(operatorElement.GetString()!, out var op))
        {
            reader.Error(operatorPath, $"Unknown operator {JsonSerializer.Serialize(operatorElement.GetString())}. "
                + $"Use one of: {DefinitionReader.List(operatorNames)}.");
            return null;
        }

        if (scope == ConditionScope.ComputedTraitProperties && ValueOperators.IsRelativeToNow(op))
        {
            reader.Error(operatorPath, $"The operator {ValueOperators.NameOf(op)} is not allowed in a computed "
                + "trait's where, because each event is applied once when it arrives. Use before or after with a "
                + "fixed date.");
        }

        List<string> allowed = [fieldKey, "operator", .. ValueOperators.OperandKeys(op)];
        if (ValueOperators.ComparesStrings(op))
        {
            allowed.Add("case_insensitive");
        }

        reader.CheckKeys(element, path, $"a {fieldKey} condition with operator {ValueOperators.NameOf(op)}", allowed);
        var test = ParseOperands(element, path, op);
        if (test is null || reader.ErrorCount != errorsBefore)
        {
            return null;
        }

        if (source == FieldSource.ComputedTrait)
        {
            reader.ComputedTraitKeys.Add(name);
        }

        return new FieldNode(path, fieldKey, source, new FieldPath(name), test);
    }

    private ValueTest? ParseOperands(JsonElement element, string path, ValueOperator op)
    {
        var comparison = StringComparison.Ordinal;
        if (ValueOperators.ComparesStrings(op) && element.TryGetProperty("case_insensitive", out var flag))
        {
            if (flag.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                reader.Error(JsonPath.Property(path, "case_insensitive"),
                    $"'case_insensitive' must be true or false, not {DefinitionReader.Describe(flag)}.");
                return null;
            }

            comparison = flag.GetBoolean() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        }

        var name = ValueOperators.NameOf(op);
        switch (op)
        {
            case ValueOperator.Exists or ValueOperator.NotExists:
                return new ValueTest { Operator = op };

            case ValueOperator.Equals or ValueOperator.NotEquals:
                if (!TryGetOperand(element, path, "value", name, "a string, number or boolean", out var scalarElement))
                {
                    return null;
                }

                if (!ScalarOperand.TryRead(scalarElement, out var scalar))
                {
                    reader.Error(JsonPath.Property(path, "value"),
                        $"'value' must be a string, number or boolean, not {DefinitionReader.Describe(scalarElement)}. "
                        + "Test for a missing or null value with not_exists.");
                    return null;
                }

                return new ValueTest { Operator = op, Scalar = scalar, Comparison = comparison };

            case ValueOperator.Contains or ValueOperator.NotContains
                or ValueOperator.StartsWith or ValueOperator.EndsWith:
                if (!TryGetOperand(element, path, "value", name, "a string", out var textElement))
                {
                    return null;
                }

                if (textElement.ValueKind != JsonValueKind.String)
                {
                    reader.Error(JsonPath.Property(path, "value"),
                        $"'value' must be a string for operator {name}, not {DefinitionReader.Describe(textElement)}.");
                    return null;
                }

                return new ValueTest { Operator = op, Text = textElement.GetString()!, Comparison = comparison };

            case ValueOperator.LessThan or ValueOperator.AtMost or ValueOperator.GreaterThan or ValueOperator.AtLeast:
                return TryReadNumberOperand(element, path, "value", name, out var number)
                    ? new ValueTest { Operator = op, Number = number }
                    : null;

            case ValueOperator.Between:
                return ParseBetween(element, path);

            case ValueOperator.OneOf:
                return ParseOneOf(element, path, comparison);

            case ValueOperator.Before or ValueOperator.After:
                if (!TryGetOperand(element, path, "value", name, "an ISO-8601 date with a zone", out var dateElement)
                    || !reader.TryReadDate(dateElement, JsonPath.Property(path, "value"), "value", out var date))
                {
                    return null;
                }

                return new ValueTest { Operator = op, Date = date };

            default:
                var daysPath = JsonPath.Property(path, "days");
                const int maxDays = ConditionLimits.MaxWindowDays;
                if (!TryGetOperand(element, path, "days", name, "a number of days", out var daysElement)
                    || !reader.TryReadWholeNumber(daysElement, daysPath, "days", 1, maxDays, out var days))
                {
                    return null;
                }

                return new ValueTest { Operator = op, Days = days };
        }
    }

    private ValueTest? ParseBetween(JsonElement element, string path)
    {
        var hasFrom = TryGetOperand(element, path, "from", "between", "a number or a date", out var from);
        var hasTo = TryGetOperand(element, path, "to", "between", "a number or a date", out var to);
        if (!hasFrom || !hasTo)
        {
            return null;
        }

        if (from.ValueKind == JsonValueKind.String && to.ValueKind == JsonValueKind.String)
        {
            var validFrom = reader.TryReadDate(from, JsonPath.Property(path, "from"), "from", out var fromDate);
            var validTo = reader.TryReadDate(to, JsonPath.Property(path, "to"), "to", out var toDate);
            if (!validFrom || !validTo)
            {
                return null;
            }

            if (fromDate > toDate)
            {
                reader.Error(path, $"'from' ({IsoDates.Format(fromDate)}) is after 'to' ({IsoDates.Format(toDate)}). "
                    + "Between includes both ends, so 'from' must not be after 'to'.");
                return null;
            }

            return new ValueTest
            {
                Operator = ValueOperator.Between,
                IsDateRange = true,
                Date = fromDate,
                DateTo = toDate,
            };
        }

        if (from.ValueKind == JsonValueKind.String || to.ValueKind == JsonValueKind.String)
        {
            reader.Error(path, "'from' and 'to' must both be numbers or both be ISO-8601 dates.");
            return null;
        }

        var validLow = TryReadNumberOperand(element, path, "from", "between", out var low);
        var validHigh = TryReadNumberOperand(element, path, "to", "between", out var high);
        if (!validLow || !validHigh)
        {
            return null;
        }

        if (low.CompareTo(high) > 0)
        {
            reader.Error(path, $"'from' ({low}) is greater than 'to' ({high}). Between includes both ends, "
                + "so 'from' must not be greater than 'to'.");
            return null;
        }

        return new ValueTest { Operator = ValueOperator.Between, Number = low, NumberTo = high };
    }

    private ValueTest? ParseOneOf(JsonElement element, string path, StringComparison comparison)
    {
        if (!TryGetOperand(element, path, "values", "one_of", "an array of strings, numbers or booleans", out var list))
        {
            return null;
        }

        var listPath = JsonPath.Property(path, "values");
        var count = list.ValueKind == JsonValueKind.Array ? list.GetArrayLength() : 0;
        if (count is 0 or > ConditionLimits.MaxOneOfValues)
        {
            var actual = list.ValueKind == JsonValueKind.Array
                ? $"an array of {count}"
                : DefinitionReader.Describe(list);
            reader.Error(listPath, $"'values' must be an array of 1 to {ConditionLimits.MaxOneOfValues:N0} strings, "
                + $"numbers or booleans, not {actual}.");
            return null;
        }

        var operands = new List<ScalarOperand>(count);
        var index = 0;
        foreach (var item in list.EnumerateArray())
        {
            if (ScalarOperand.TryRead(item, out var operand))
            {
                operands.Add(operand!);
            }
            else
            {
                reader.Error(JsonPath.Index(listPath, index),
                    $"Each of 'values' must be a string, number or boolean, not {DefinitionReader.Describe(item)}.");
            }

            index++;
        }

        return operands.Count == count
            ? new ValueTest { Operator = ValueOperator.OneOf, Scalars = operands, Comparison = comparison }
            : null;
    }

    private bool TryReadNumberOperand(
        JsonElement element, string path, string key, string operatorName, out JsonNumber number)
    {
        number = default;
        if (!TryGetOperand(element, path, key, operatorName, "a number", out var value))
        {
            return false;
        }

        if (value.ValueKind != JsonValueKind.Number || !JsonNumber.TryRead(value, out number))
        {
            reader.Error(JsonPath.Property(path, key),
                $"'{key}' must be a number for operator {operatorName}, not {DefinitionReader.Describe(value)}.");
            return false;
        }

        return true;
    }

    private bool TryGetOperand(
        JsonElement element, string path, string key, string operatorName, string expected, out JsonElement value)
    {
        if (element.TryGetProperty(key, out value))
        {
            return true;
        }

        reader.Error(JsonPath.Property(path, key),
            $"The key '{key}' is missing. Operator {operatorName} needs {expected}.");
        return false;
    }
}
