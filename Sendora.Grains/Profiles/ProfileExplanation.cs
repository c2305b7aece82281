using Sendora.Grains.Audiences.Language;

namespace Sendora.Grains.Profiles;

/// <summary>Why a profile is or is not in each audience, at one instant.</summary>
[GenerateSerializer, Immutable, Alias("sendora.ProfileExplanation")]
public sealed record ProfileExplanation
{
    [Id(0)] public required string ProfileId { get; init; }

    /// <summary>The instant the conditions were evaluated at, by the silo's clock.</summary>
    [Id(1)] public DateTimeOffset EvaluatedAt { get; init; }

    /// <summary>The version of the workspace's audience catalog that was evaluated.</summary>
    [Id(2)] public long CatalogVersion { get; init; }

    /// <summary>The profile this one was merged into. When it is set, <see cref="Audiences"/> is empty.</summary>
    [Id(3)] public string? MergedInto { get; init; }

    /// <summary>Whether the profile ever applied a message. A profile that never did explains no audience.</summary>
    [Id(4)] public bool Exists { get; init; }

    [Id(5)] public IReadOnlyList<AudienceExplanation> Audiences { get; init; } = [];
}

/// <summary>
/// One audience evaluated against one profile: the stored membership beside the result of evaluating the
/// condition now, with every condition node's result. The two can differ after a window passed or the audience
/// was edited, until the profile evaluates again, and for a disabled audience, which profiles do not evaluate.
/// </summary>
/// <remarks>
/// Conditions on other audiences read the stored memberships, and conditions on computed traits read the
/// values stored at the last evaluation, so they show what the profile's next evaluation starts from.
/// </remarks>
[GenerateSerializer, Immutable, Alias("sendora.AudienceExplanation")]
public sealed record AudienceExplanation
{
    [Id(0)] public required string AudienceId { get; init; }

    [Id(1)] public required string Name { get; init; }

    [Id(2)] public int Version { get; init; }

    /// <summary>Whether profiles evaluate the audience. A disabled audience keeps its members.</summary>
    [Id(3)] public bool Enabled { get; init; }

    /// <summary>The membership the profile stores, with its start and audience version, or null when it is not a member.</summary>
    [Id(4)] public AudienceMembership? Membership { get; init; }

    /// <summary>The result of the condition now, or null when the stored condition does not parse.</summary>
    [Id(5)] public bool? Matches { get; init; }

    /// <summary>The result of every node of the condition, or null when the stored condition does not parse.</summary>
    [Id(6)] public ConditionTrace? Trace { get; init; }

    /// <summary>Why the condition could not be evaluated, or null when it was.</summary>
    [Id(7)] public string? Problem { get; init; }
}
