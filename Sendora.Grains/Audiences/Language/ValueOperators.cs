namespace Sendora.Grains.Audiences.Language;

/// <summary>The JSON spelling of each <see cref="ValueOperator"/> and the keys each one takes.</summary>
internal static class ValueOperators
{
    private static readonly Dictionary<string, ValueOperator> ByName = new(StringComparer.Ordinal)
    {
        ["equals"] = ValueOperator.Equals,
        ["not_equals"] = ValueOperator.NotEquals,
        ["contains"] = ValueOperator.Contains,
        ["not_contains"] = ValueOperator.NotContains,
        ["starts_with"] = ValueOperator.StartsWith,
        ["ends_with"] = ValueOperator.EndsWith,
        ["exists"] = ValueOperator.Exists,
        ["not_exists"] = ValueOperator.NotExists,
        ["less_than"] = ValueOperator.LessThan,
        ["at_most"] = ValueOperator.AtMost,
        ["greater_than"] = ValueOperator.GreaterThan,
        ["at_least"] = ValueOperator.AtLeast,
        ["between"] = ValueOperator.Between,
        ["one_of"] = ValueOperator.OneOf,
        ["before"] = ValueOperator.Before,
        ["after"] = ValueOperator.After,
        ["within_last"] = ValueOperator.WithinLast,
        ["within_next"] = ValueOperator.WithinNext,
    };

    private static readonly Dictionary<ValueOperator, string> Names =
        ByName.ToDictionary(pair => pair.Value, pair => pair.Key);

    public static IEnumerable<string> AllNames => ByName.Keys;

    public static bool TryParse(string name, out ValueOperator op) => ByName.TryGetValue(name, out op);

    public static ValueOperator Parse(string name) => ByName[name];

    public static string NameOf(ValueOperator op) => Names[op];

    /// <summary>Returns whether the operator's result depends on the current time.</summary>
    public static bool IsRelativeToNow(ValueOperator op) => op is ValueOperator.WithinLast or ValueOperator.WithinNext;

    /// <summary>Returns whether the operator compares strings, so <c>case_insensitive</c> applies to it.</summary>
    public static bool ComparesStrings(ValueOperator op) => op is ValueOperator.Equals or ValueOperator.NotEquals
        or ValueOperator.Contains or ValueOperator.NotContains or ValueOperator.StartsWith or ValueOperator.EndsWith
        or ValueOperator.OneOf;

    /// <summary>The keys that carry the operator's operands.</summary>
    public static IReadOnlyList<string> OperandKeys(ValueOperator op) => op switch
    {
        ValueOperator.Exists or ValueOperator.NotExists => [],
        ValueOperator.Between => ["from", "to"],
        ValueOperator.OneOf => ["values"],
        ValueOperator.WithinLast or ValueOperator.WithinNext => ["days"],
        _ => ["value"],
    };
}
