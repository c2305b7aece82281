using System.Text.RegularExpressions;

namespace Sendora.Grains.Identity;

/// <summary>
/// A workspace's guard rails for identity resolution: which values never become ids, how many ids
/// of each type one profile may hold, which ids give way first when a merge would break a limit,
/// and caps on merges and ids per profile.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.IdentityRules")]
public sealed partial record IdentityRules
{
    /// <summary>Values that SDKs and apps send for "no id"; they never identify anybody.</summary>
    public static readonly IReadOnlyList<string> DefaultBlockedValues =
        ["null", "undefined", "anonymous", "anonymousId", "guest", "-1", "0", "NaN", "[object Object]"];

    public static IdentityRules Default { get; } = new();

    /// <summary>Values blocked besides the defaults, compared without regard to case.</summary>
    [Id(0)] public IReadOnlyList<string> BlockedValues { get; init; } = [];

    /// <summary>The most values of one id type a profile may hold, by type; types not named use <see cref="DefaultLimit"/>.</summary>
    [Id(1)] public IReadOnlyDictionary<string, IdLimit> Limits { get; init; } =
        new Dictionary<string, IdLimit> { ["user_id"] = new IdLimit(1, null) };

    /// <summary>The limit of id types that <see cref="Limits"/> does not name. Default 5.</summary>
    [Id(2)] public IdLimit DefaultLimit { get; init; } = new(5, null);

    /// <summary>Id types from highest to lowest priority; types not named rank below them all, in name order.</summary>
    [Id(3)] public IReadOnlyList<string> Priority { get; init; } = ["user_id", "email"];

    /// <summary>How many merges one profile may absorb. Default 100.</summary>
    [Id(4)] public int MaxMergesPerProfile { get; init; } = 100;

    /// <summary>How many ids one profile may hold in all. Default 1,000.</summary>
    [Id(5)] public int MaxIdsPerProfile { get; init; } = 1_000;

    /// <summary>Returns true when <paramref name="value"/> must never become an id.</summary>
    public bool IsBlocked(string value)
    {
        if (string.IsNullOrWhiteSpace(value) || ZerosAndDashes().IsMatch(value))
        {
            return true;
        }

        var trimmed = value.Trim();
        return DefaultBlockedValues.Any(b => string.Equals(b, trimmed, StringComparison.OrdinalIgnoreCase))
            || BlockedValues.Any(b => string.Equals(b, trimmed, StringComparison.OrdinalIgnoreCase));
    }

    public IdLimit LimitOf(string type) => Limits.TryGetValue(type, out var limit) ? limit : DefaultLimit;

    /// <summary>Returns the rank of an id type: 0 is the highest priority.</summary>
    public int RankOf(string type)
    {
        for (var i = 0; i < Priority.Count; i++)
        {
            if (Priority[i] == type)
            {
                return i;
            }
        }

        return Priority.Count;
    }

    /// <summary>Orders id types from highest to lowest priority.</summary>
    public int Compare(string leftType, string rightType)
    {
        var byRank = RankOf(leftType).CompareTo(RankOf(rightType));
        return byRank != 0 ? byRank : string.CompareOrdinal(leftType, rightType);
    }

    /// <summary>Returns why these rules are invalid, or null when they are valid.</summary>
    public string? Validate()
    {
        if (Limits.Any(pair => pair.Value.Max < 1))
        {
            return "every limit's 'max' must be at least 1";
        }

        if (DefaultLimit.Max < 1)
        {
            return "'defaultLimit.max' must be at least 1";
        }

        if (Limits.Values.Append(DefaultLimit).Any(l => l.Window is { } w && w <= TimeSpan.Zero))
        {
            return "a limit's 'window' must be a positive duration";
        }

        if (MaxMergesPerProfile < 1 || MaxIdsPerProfile < 1)
        {
            return "'maxMergesPerProfile' and 'maxIdsPerProfile' must be at least 1";
        }

        return BlockedValues.Count > 10_000 ? "'blockedValues' may hold at most 10,000 values" : null;
    }

    [GeneratedRegex("^[0-]*$")]
    private static partial Regex ZerosAndDashes();
}

/// <summary>
/// How many values of one id type a profile may hold: at most <see cref="Max"/>, counting only
/// values first seen within <see cref="Window"/> when it is set.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.IdLimit")]
public sealed record IdLimit([property: Id(0)] int Max, [property: Id(1)] TimeSpan? Window);
