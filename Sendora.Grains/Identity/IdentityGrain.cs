namespace Sendora.Grains.Identity;

/// <summary>Maps one external id to the profile that first claimed it.</summary>
public sealed class IdentityGrain(
    [PersistentState("identity", SendoraNames.GrainStorage)] IPersistentState<IdentityState> identity)
    : Grain, IIdentityGrain
{
    public async Task<string> ClaimAsync(string profileId)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        if (identity.State.ProfileId is { } owner)
        {
            return owner;
        }

        identity.State.ProfileId = profileId;
        identity.State.ClaimedAt = DateTimeOffset.UtcNow;
        try
        {
            await identity.WriteStateAsync();
        }
        catch
        {
            // Leave the id unclaimed so that a retry, possibly by another profile, starts afresh.
            identity.State.ProfileId = null;
            identity.State.ClaimedAt = null;
            throw;
        }

        return profileId;
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

    public Task<string?> ResolveAsync() => Task.FromResult(identity.State.ProfileId);
}

/// <summary>The persisted owner of one external id.</summary>
[GenerateSerializer, Alias("sendora.IdentityState")]
public sealed class IdentityState
{
    /// <summary>The profile that owns the id; null until one claims it.</summary>
    [Id(0)] public string? ProfileId { get; set; }

    [Id(1)] public DateTimeOffset? ClaimedAt { get; set; }
}
