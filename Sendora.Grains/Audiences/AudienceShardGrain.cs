using Sendora.Grains.Inspection;

namespace Sendora.Grains.Audiences;

/// <summary>Keeps one shard of an audience's members, sorted by profile id for paging.</summary>
public sealed class AudienceShardGrain(
    [PersistentState("audienceShard", SendoraNames.GrainStorage)] IPersistentState<AudienceShardState> shard)
    : Grain, IAudienceShardGrain
{
    public async Task ApplyAsync(IReadOnlyList<MembershipChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var members = shard.State.Members;
        var changed = false;
        foreach (var change in changes)
        {
            if (change.Kind == MembershipChangeKinds.Enter)
            {
                if (!members.ContainsKey(change.ProfileId))
                {
                    members[change.ProfileId] = new AudienceMember(change.ProfileId, change.At, change.ExternalIds);
                    changed = true;
                }
            }
            else
            {
                changed |= members.Remove(change.ProfileId);
            }
        }

        if (changed)
        {
            await shard.WriteStateAsync();
        }
    }

    public Task<int> CountAsync() => Task.FromResult(shard.State.Members.Count);

    public Task<IReadOnlyList<AudienceMember>> GetMembersAsync(string? afterProfileId, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var members = shard.State.Members.Values;
        IEnumerable<AudienceMember> page = afterProfileId is null
            ? members
            : members.Where(m => string.CompareOrdinal(m.ProfileId, afterProfileId) > 0);
        return Task.FromResult<IReadOnlyList<AudienceMember>>([.. page.Take(limit)]);
    }

    public Task<bool> ContainsAsync(string profileId) => Task.FromResult(shard.State.Members.ContainsKey(profileId));

    public Task<GrainInspection> InspectAsync(int maxItems) => Task.FromResult(GrainInspector.Inspect(this, shard, maxItems));

    public Task ClearAsync() => shard.ClearStateAsync();
}

[GenerateSerializer, Alias("sendora.AudienceShardState")]
public sealed class AudienceShardState
{
    [Id(0)] public SortedDictionary<string, AudienceMember> Members { get; set; } = new(StringComparer.Ordinal);
}
