using Orleans.Concurrency;
using Sendora.Grains.Inspection;

namespace Sendora.Grains.Identity;

/// <summary>
/// Which profile one external id belongs to, keyed <c>{workspaceId}/{type}:{value}</c>
/// (for example <c>default/user_id:42</c>).
/// </summary>
public interface IIdentityGrain : IGrainWithStringKey, IInspectable
{
    /// <summary>
    /// Assigns this id to <paramref name="profileId"/> unless another profile already has it,
    /// and returns the owning profile's id. A successful claim stores <paramref name="messageTimestamp"/>,
    /// the timestamp of the message that carried the id, for <see cref="MoveAsync"/>.
    /// </summary>
    Task<string> ClaimAsync(string profileId, DateTimeOffset messageTimestamp);

    /// <summary>
    /// Moves this id to <paramref name="profileId"/> from any owner, unless the message that claimed
    /// it or last moved it has a later timestamp than <paramref name="messageTimestamp"/>. An id
    /// nobody owns is claimed. Used for device ids, which follow the most recent login.
    /// </summary>
    Task<IdentityMove> MoveAsync(string profileId, DateTimeOffset messageTimestamp);

    /// <summary>
    /// Moves this id from <paramref name="fromProfileId"/> to <paramref name="toProfileId"/> when the first
    /// still owns it (after a merge), and returns the owner afterwards.
    /// </summary>
    Task<string> ReassignAsync(string fromProfileId, string toProfileId);

    /// <summary>Gives this id to <paramref name="profileId"/> whoever owned it (after a split).</summary>
    Task AssignAsync(string profileId);

    /// <summary>Returns the id of the profile that owns this id, or null when none does.</summary>
    /// <summary>
    /// Removes the owner when it is one of <paramref name="profileIds"/>, so that the next message with this id creates
    /// a new profile. Returns whether the owner was removed.
    /// </summary>
    Task<bool> ReleaseAsync(IReadOnlyList<string> profileIds);

    [ReadOnly]
    Task<string?> ResolveAsync();

    /// <summary>Returns true when <see cref="MoveAsync"/> ever took this id from one profile to another.</summary>
    [ReadOnly]
    Task<bool> HasMovedAsync();
}

/// <summary>
/// The outcome of <see cref="IIdentityGrain.MoveAsync"/>: the owner afterwards, and the profile the id
/// was taken from when it moved (null when it was unowned, already there, or the move was rejected).
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.IdentityMove")]
public sealed record IdentityMove([property: Id(0)] string ProfileId, [property: Id(1)] string? MovedFrom);
