namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// One parsed condition object. Nodes are immutable, so one parsed condition can be evaluated by many
/// grains at once.
/// </summary>
internal abstract class ConditionNode(string path)
{
    /// <summary>The JSON path of the node in its definition.</summary>
    public string Path { get; } = path;

    public abstract string Description { get; }

    public virtual IReadOnlyList<ConditionNode> Children => [];

    public abstract NodeResult Evaluate(in EvaluationScope scope);

    public virtual ConditionTrace Explain(in EvaluationScope scope)
    {
        var result = Evaluate(scope);
        var children = new List<ConditionTrace>(Children.Count);
        foreach (var child in Children)
        {
            children.Add(child.Explain(scope));
        }

        return new ConditionTrace(Path, Description, result.Matches, result.NextChangeAt, children);
    }

    /// <summary>
    /// Explains a node that is tested once per event or per group. Its result is true when any of the
    /// scopes passes, and its change instant is the earliest of theirs.
    /// </summary>
    public ConditionTrace ExplainEach(IReadOnlyList<EvaluationScope> scopes)
    {
        var matches = false;
        DateTimeOffset? next = null;
        foreach (var scope in scopes)
        {
            var result = Evaluate(scope);
            matches |= result.Matches;
            next = Instants.Min(next, result.NextChangeAt);
        }

        var children = new List<ConditionTrace>(Children.Count);
        foreach (var child in Children)
        {
            children.Add(child.ExplainEach(scopes));
        }

        return new ConditionTrace(Path, Description, matches, next, children);
    }
}
