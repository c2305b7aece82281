using Orleans.Concurrency;
using Sendora.Grains.Inspection;

namespace Sendora.Grains.Groups;

/// <summary>A group (an account) in one workspace, keyed <c>{workspaceId}/{groupId}</c>: its traits and members.</summary>
public interface IGroupGrain : IGrainWithStringKey, IInspectable
{
    /// <summary>
    /// Applies a group call: sets the traits in <paramref name="traitsJson"/> (a JSON object, or null)
    /// and adds <paramref name="profileId"/> to the members. <paramref name="groupId"/> is the id as
    /// sent, which the grain key may only hold shortened. Returns after the state is persisted.
    /// </summary>
    Task ApplyAsync(string groupId, string? traitsJson, DateTimeOffset timestamp, string profileId);

    /// <summary>Removes <paramref name="profileId"/> from the members, if it is one, and persists the change.</summary>
    Task RemoveMemberAsync(string profileId);

    /// <summary>Returns the group, or null when no group call named it.</summary>
    [ReadOnly]
    Task<GroupSnapshot?> GetAsync();
}

/// <summary>A read-only copy of a group's traits and members.</summary>
[GenerateSerializer, Immutable, Alias("sendora.GroupSnapshot")]
public sealed record GroupSnapshot(
    [property: Id(0)] string GroupId,
    [property: Id(1)] IReadOnlyDictionary<string, string> Traits,
    [property: Id(2)] IReadOnlyList<string> MemberProfileIds,
    [property: Id(3)] DateTimeOffset CreatedAt);
