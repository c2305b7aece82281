namespace Sendora.Grains.Audiences.Language;

/// <summary>The result of one node, with the earliest later instant at which it can change.</summary>
internal readonly record struct NodeResult(bool Matches, DateTimeOffset? NextChangeAt)
{
    public static NodeResult Fixed(bool matches) => new(matches, null);
}
