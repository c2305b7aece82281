using Microsoft.Extensions.Logging;
using Sendora.Grains.Identity;

namespace Sendora.Grains.Profiles;

public sealed partial class ProfileGrain
{
    public async Task<string?> ForgetMovedIdAsync(ExternalIdKey id)
    {
        ThrowIfStale();
        var state = State;
        if (state.MergedInto is { } survivor)
        {
            return survivor;
        }

        var externalId = state.ExternalIds.Find(e => e.Type == id.Type && e.Id == id.Value);
        if (externalId is null)
        {
            return null;
        }

        // The Identity grain decides, because the id may have moved back here since the caller moved it away.
        var owner = await GrainFactory.Reference<IIdentityGrain>(id.GrainKey(_workspaceId)).ResolveAsync();
        if (owner is null || owner == _profileId || HasAbsorbed(owner))
        {
            return null;
        }

        state.ExternalIds.Remove(externalId);
        await PersistAsync();
        LogMovedIdForgotten(id.Type, _profileId, owner);
        return null;
    }

    public async Task<string?> RemovePushTokensAsync(IReadOnlyList<ExternalIdKey> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ThrowIfStale();
        var state = State;
        if (state.MergedInto is { } survivor)
        {
            return survivor;
        }

        var removed = state.ExternalIds.RemoveAll(e => tokens.Any(t => t.Type == e.Type && t.Value == e.Id));
        if (removed > 0)
        {
            await PersistAsync();
            LogPushTokensRemoved(removed, _profileId);
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Removed {Count} push tokens from profile {ProfileId}: the push provider reported them unregistered")]
    private partial void LogPushTokensRemoved(int count, string profileId);

    [LoggerMessage(Level = LogLevel.Debug,
        Message = "Removed an external id of type {IdType} from profile {ProfileId}: it moved to profile {OwnerId}")]
    private partial void LogMovedIdForgotten(string idType, string profileId, string ownerId);
}
