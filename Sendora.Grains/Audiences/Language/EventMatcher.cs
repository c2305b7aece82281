using System.Text.Json;

namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// Which events an event condition, a funnel step or a computed trait looks at: a type, a name (any
/// name of a page or screen when null) and an optional condition on the event's properties.
/// </summary>
internal sealed class EventMatcher(string type, string? name, ConditionNode? where)
{
    public string Type { get; } = type;

    public string? Name { get; } = name;

    public ConditionNode? Where { get; } = where;

    public string Description => Name is null
        ? $"any {Type}"
        : $"{Type} {JsonSerializer.Serialize(Name)}" + (Where is null ? string.Empty : " with matching properties");

    public bool MatchesName(EventFact e) =>
        string.Equals(e.Type, Type, StringComparison.Ordinal)
        && (Name is null || string.Equals(e.Name, Name, StringComparison.Ordinal));

    /// <summary>Tests the properties of an event whose name already matched.</summary>
    public NodeResult TestProperties(EventFact e, IProfileFacts? facts, DateTimeOffset now) =>
        Where?.Evaluate(new EvaluationScope(facts, now, e.Properties)) ?? NodeResult.Fixed(true);

    /// <summary>Returns the scopes in which <see cref="Where"/> is tested, one per event whose name matches.</summary>
    public IReadOnlyList<EvaluationScope> ScopesOf(in EvaluationScope scope)
    {
        var scopes = new List<EvaluationScope>();
        foreach (var e in scope.RequireFacts().Events)
        {
            if (MatchesName(e))
            {
                scopes.Add(scope.WithSubject(e.Properties));
            }
        }

        return scopes;
    }

    /// <summary>Traces the <c>where</c> condition across the events whose name matches.</summary>
    public IReadOnlyList<ConditionTrace> ExplainWhere(in EvaluationScope scope) =>
        Where is null ? [] : [Where.ExplainEach(ScopesOf(scope))];
}
