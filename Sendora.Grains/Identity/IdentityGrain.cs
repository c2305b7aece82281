using Sendora.Grains.Inspection;

namespace Sendora.Grains.Identity;

/// <summary>Maps one external id to the profile that claimed it, or to the one it was later moved to.</summary>
/// <remarks>
/// The gateway remembers an id's owner for a minute (<c>Sendora:Gateway:IdOwnerCacheDuration</c>), so an id in use
/// reaches its grain about once a minute. An activation idle for twice that is collected: one storage read brings it
/// back, and a person who stopped sending no longer keeps a second activation beside the profile.
/// </remarks>
[CollectionAgeLimit(Minutes = 2)]
public sealed class IdentityGrain(
    [PersistentState("identity", SendoraNames.GrainStorage)] IPersistentState<IdentityState> identity)
    : Grain, IIdentityGrain
{
    public async Task<string> ClaimAsync(string profileId, DateTimeOffset messageTimestamp)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        if (identity.State.ProfileId is { } owner)
        {
            return owner;
        }

        await SetOwnerAsync(profileId, messageTimestamp, moved: false);
        return profileId;
    }

    public async Task<IdentityMove> MoveAsync(string profileId, DateTimeOffset messageTimestamp)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        var owner = identity.State.ProfileId;
        if (owner == profileId)
        {
            return new IdentityMove(profileId, null);
        }

        // A message that arrives late must not take the id back from a more recent login.
        if (owner is not null && identity.State.MessageTimestamp > messageTimestamp)
        {
            return new IdentityMove(owner, null);
        }

        await SetOwnerAsync(profileId, messageTimestamp, moved: owner is not null || identity.State.Moved);
        return new IdentityMove(profileId, owner);
    }

    public async Task<string> ReassignAsync(string fromProfileId, string toProfileId)
    {
        ArgumentException.ThrowIfNullOrEmpty(toProfileId);
        if (identity.State.ProfileId is null || identity.State.ProfileId == fromProfileId)
        {
            await AssignAsync(toProfileId);
        }

        return identity.State.ProfileId!;
    }

    public async Task AssignAsync(string profileId)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        var previous = (identity.State.ProfileId, identity.State.ClaimedAt);
        identity.State.ProfileId = profileId;
        identity.State.ClaimedAt ??= DateTimeOffset.UtcNow;
        try
        {
            await identity.WriteStateAsync();
        }
        catch
        {
            (identity.State.ProfileId, identity.State.ClaimedAt) = previous;
            throw;
        }
    }

    public async Task<bool> ReleaseAsync(IReadOnlyList<string> profileIds)
    {
        ArgumentNullException.ThrowIfNull(profileIds);
        if (identity.State.ProfileId is not { } owner || !profileIds.Contains(owner))
        {
            return false;
        }

        // An empty state rather than a cleared record, so that the grain stores no trace of the erased owner.
        var previous = identity.State;
        identity.State = new IdentityState();
        try
        {
            await identity.WriteStateAsync();
        }
        catch
        {
            identity.State = previous;
            throw;
        }

        return true;
    }

    public Task<string?> ResolveAsync() => Task.FromResult(identity.State.ProfileId);

    public Task<bool> HasMovedAsync() => Task.FromResult(identity.State.Moved);

    public Task<GrainInspection> InspectAsync(int maxItems) => Task.FromResult(GrainInspector.Inspect(this, identity, maxItems));

    private async Task SetOwnerAsync(string profileId, DateTimeOffset messageTimestamp, bool moved)
    {
        var state = identity.State;
        var previous = (state.ProfileId, state.ClaimedAt, state.MessageTimestamp, state.Moved);
        state.ProfileId = profileId;
        state.ClaimedAt = DateTimeOffset.UtcNow;
        state.MessageTimestamp = messageTimestamp;
        state.Moved = moved;
        try
        {
            await identity.WriteStateAsync();
        }
        catch
        {
            // Keep the owner that storage has, so that a retry, possibly by another profile, starts afresh.
            (state.ProfileId, state.ClaimedAt, state.MessageTimestamp, state.Moved) = previous;
            throw;
        }
    }
}

/// <summary>The persisted owner of one external id.</summary>
[GenerateSerializer, Alias("sendora.IdentityState")]
public sealed class IdentityState
{
    /// <summary>The profile that owns the id; null until one claims it.</summary>
    [Id(0)] public string? ProfileId { get; set; }

    /// <summary>When the id was claimed or last moved, by the silo's clock.</summary>
    [Id(1)] public DateTimeOffset? ClaimedAt { get; set; }

    /// <summary>
    /// The timestamp of the message that claimed the id or last moved it. A move by a message with an
    /// earlier timestamp is rejected. It is null for ids claimed before it was stored, which any message may move.
    /// </summary>
    [Id(2)] public DateTimeOffset? MessageTimestamp { get; set; }

    /// <summary>True once a move took the id from one profile to another.</summary>
    [Id(3)] public bool Moved { get; set; }
}
