namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// Combines the results of the parts of an <c>all</c> or an <c>any</c>, including when the
/// combined result can next change.
/// </summary>
/// <remarks>
/// A true <c>all</c> turns false as soon as its first part does, so its change instant is the earliest
/// of all parts. A false <c>all</c> stays false while every false part does, so its change instant is
/// the earliest among the false parts, and none when one false part can never change.
/// <c>any</c> is the mirror image.
/// </remarks>
internal struct LogicCombiner(bool requireAll)
{
    private bool _sawDeciding;
    private bool _settled;
    private DateTimeOffset? _nextOfAll;
    private DateTimeOffset? _nextOfDeciding;

    /// <summary>Adds one part and returns false once the combined result can no longer change.</summary>
    public bool Add(NodeResult part)
    {
        _nextOfAll = Instants.Min(_nextOfAll, part.NextChangeAt);

        // A deciding part is a false part of an all or a true part of an any.
        if (part.Matches == requireAll)
        {
            return true;
        }

        _sawDeciding = true;
        if (part.NextChangeAt is null)
        {
            _settled = true;
            return false;
        }

        _nextOfDeciding = Instants.Min(_nextOfDeciding, part.NextChangeAt);
        return true;
    }

    /// <summary>The combined result. An empty all is true and an empty any is false.</summary>
    public readonly NodeResult Result
    {
        get
        {
            var matches = _sawDeciding ? !requireAll : requireAll;
            if (_settled)
            {
                return NodeResult.Fixed(matches);
            }

            return new NodeResult(matches, _sawDeciding ? _nextOfDeciding : _nextOfAll);
        }
    }
}
