namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// A condition over the traits of the groups (accounts) the profile belongs to. With no groups,
/// <c>any</c> and <c>all</c> are false and <c>none</c> is true. Without a <c>where</c>, every group passes.
/// </summary>
internal sealed class GroupsNode(string path, GroupMode mode, ConditionNode? where) : ConditionNode(path)
{
    public override string Description => (mode, where) switch
    {
        (GroupMode.None, null) => "belongs to no group",
        (_, null) => "belongs to at least one group",
        (GroupMode.Any, _) => "any group matches",
        (GroupMode.All, _) => "every group matches",
        _ => "no group matches",
    };

    public override NodeResult Evaluate(in EvaluationScope scope)
    {
        var groups = scope.RequireFacts().Groups;
        if (groups.Count == 0)
        {
            return NodeResult.Fixed(mode == GroupMode.None);
        }

        var combiner = new LogicCombiner(requireAll: mode == GroupMode.All);
        foreach (var group in groups)
        {
            var result = where?.Evaluate(scope.WithSubject(group)) ?? NodeResult.Fixed(true);
            if (!combiner.Add(result))
            {
                break;
            }
        }

        var combined = combiner.Result;
        return mode == GroupMode.None ? combined with { Matches = !combined.Matches } : combined;
    }

    public override ConditionTrace Explain(in EvaluationScope scope)
    {
        var result = Evaluate(scope);
        var scopes = new List<EvaluationScope>();
        foreach (var group in scope.RequireFacts().Groups)
        {
            scopes.Add(scope.WithSubject(group));
        }

        IReadOnlyList<ConditionTrace> children = where is null ? [] : [where.ExplainEach(scopes)];
        return new ConditionTrace(Path, Description, result.Matches, result.NextChangeAt, children);
    }
}
