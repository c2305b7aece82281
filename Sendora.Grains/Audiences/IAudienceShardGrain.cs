using Orleans.Concurrency;
using Sendora.Grains.Inspection;

namespace Sendora.Grains.Audiences;

/// <summary>
/// One shard of an audience's members, keyed <c>{workspaceId}/{audienceId}/shard/{n}</c>. Applying a
/// change twice has the effect of applying it once.
/// </summary>
public interface IAudienceShardGrain : IGrainWithStringKey, IInspectable
{
    Task ApplyAsync(IReadOnlyList<MembershipChange> changes);

    [ReadOnly]
    Task<int> CountAsync();

    /// <summary>Returns up to <paramref name="limit"/> members with profile ids after <paramref name="afterProfileId"/>, in ordinal order.</summary>
    [ReadOnly]
    Task<IReadOnlyList<AudienceMember>> GetMembersAsync(string? afterProfileId, int limit);

    [ReadOnly]
    Task<bool> ContainsAsync(string profileId);

    Task ClearAsync();
}

/// <summary>One segment of an audience's log, keyed <c>{workspaceId}/{audienceId}/log/{n}</c>.</summary>
public interface IAudienceLogSegmentGrain : IGrainWithStringKey
{
    Task AppendAsync(IReadOnlyList<AudienceLogEntry> entries);

    [ReadOnly]
    Task<IReadOnlyList<AudienceLogEntry>> ReadAsync(long afterSequence, int limit);

    Task ClearAsync();
}
