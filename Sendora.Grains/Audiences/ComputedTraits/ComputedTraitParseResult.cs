using Sendora.Grains.Audiences.Language;

namespace Sendora.Grains.Audiences.ComputedTraits;

/// <summary>
/// The outcome of <see cref="ComputedTraitDefinition.Parse(string)"/>: a definition when valid,
/// otherwise null and at least one error.
/// </summary>
public sealed record ComputedTraitParseResult(ComputedTraitDefinition? Definition, IReadOnlyList<ConditionError> Errors)
{
    public bool IsValid => Definition is not null;
}
