namespace Sendora.Grains.Audiences.Language;

/// <summary>An <c>all</c>, <c>any</c> or <c>not</c> over other conditions.</summary>
internal sealed class LogicNode : ConditionNode
{
    private readonly LogicKind _kind;
    private readonly IReadOnlyList<ConditionNode> _parts;

    public LogicNode(string path, LogicKind kind, IReadOnlyList<ConditionNode> parts)
        : base(path)
    {
        if (parts.Count == 0 || (kind == LogicKind.Not && parts.Count != 1))
        {
            var expected = kind == LogicKind.Not ? "exactly one part" : "at least one part";
            throw new ArgumentException($"A {kind} node needs {expected}.", nameof(parts));
        }

        _kind = kind;
        _parts = parts;
    }

    public override string Description => _kind switch
    {
        LogicKind.All => $"all of {_parts.Count} conditions",
        LogicKind.Any => $"any of {_parts.Count} conditions",
        _ => "not",
    };

    public override IReadOnlyList<ConditionNode> Children => _parts;

    public override NodeResult Evaluate(in EvaluationScope scope)
    {
        if (_kind == LogicKind.Not)
        {
            var inner = _parts[0].Evaluate(scope);
            return inner with { Matches = !inner.Matches };
        }

        var combiner = new LogicCombiner(requireAll: _kind == LogicKind.All);
        foreach (var part in _parts)
        {
            if (!combiner.Add(part.Evaluate(scope)))
            {
                break;
            }
        }

        return combiner.Result;
    }
}
