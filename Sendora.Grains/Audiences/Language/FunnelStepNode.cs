namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// One step of a funnel. On its own it passes when any event matches the step, and the funnel decides how
/// the steps' events follow each other.
/// </summary>
internal sealed class FunnelStepNode(string path, string role, EventMatcher matcher) : ConditionNode(path)
{
    public EventMatcher Matcher { get; } = matcher;

    public override string Description => $"{role}: {Matcher.Description}";

    public override NodeResult Evaluate(in EvaluationScope scope)
    {
        var combiner = new LogicCombiner(requireAll: false);
        foreach (var e in scope.RequireFacts().Events)
        {
            if (Matcher.MatchesName(e) && !combiner.Add(Matcher.TestProperties(e, scope.Facts, scope.Now)))
            {
                break;
            }
        }

        return combiner.Result;
    }

    public override ConditionTrace Explain(in EvaluationScope scope)
    {
        var result = Evaluate(scope);
        return new ConditionTrace(Path, Description, result.Matches, result.NextChangeAt, Matcher.ExplainWhere(scope));
    }
}
