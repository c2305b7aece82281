namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// The outcome of <see cref="Condition.Parse(string)"/>: a condition when the definition is valid,
/// otherwise null and at least one error.
/// </summary>
public sealed record ConditionParseResult(Condition? Condition, IReadOnlyList<ConditionError> Errors)
{
    public bool IsValid => Condition is not null;
}
