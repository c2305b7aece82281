using Orleans.Concurrency;

namespace Sendora.Grains.Identity;

/// <summary>
/// Which profile one external id belongs to, keyed <c>{workspaceId}/{type}:{value}</c>
/// (for example <c>default/user_id:42</c>).
/// </summary>
public interface IIdentityGrain : IGrainWithStringKey
{
    /// <summary>
    /// Assigns this id to <paramref name="profileId"/> unless another profile already has it,
    /// and returns the owning profile's id.
    /// </summary>
    Task<string> ClaimAsync(string profileId);

    /// <summary>
    /// Moves this id from <paramref name="fromProfileId"/> to <paramref name="toProfileId"/> when the first
    /// still owns it (after a merge), and returns the owner afterwards.
    /// </summary>
    Task<string> ReassignAsync(string fromProfileId, string toProfileId);

    /// <summary>Gives this id to <paramref name="profileId"/> whoever owned it (after a split).</summary>
    Task AssignAsync(string profileId);

    /// <summary>Returns the id of the profile that owns this id, or null when none does.</summary>
    [ReadOnly]
    Task<string?> ResolveAsync();
}
