using Microsoft.Extensions.Logging;
using Sendora.Grains.Identity;
using Sendora.Grains.Ingestion;

namespace Sendora.Grains.Profiles;

public sealed partial class ProfileGrain
{
    public async Task<EraseResult> EraseAsync(string? absorbedBy)
    {
        ThrowIfStale();
        var state = State;
        if (state.MergedInto is { } survivor && absorbedBy is null)
        {
            return new EraseResult { ForwardedTo = survivor };
        }

        if (state.ErasedAt is not null)
        {
            return state.PendingErasure ?? new EraseResult { Erased = true };
        }

        var result = new EraseResult
        {
            Erased = true,
            ExternalIds = [.. state.ExternalIds],
            AbsorbedProfileIds = [.. state.Merges.Select(merge => merge.AbsorbedProfileId).Distinct()],
            GroupIds = [.. state.GroupIds],
            JourneyIds = [.. state.Journeys.Following.Keys
                .Union(state.Journeys.Outbox.Select(signal => signal.JourneyId), StringComparer.Ordinal)],
        };

        // The exits go into the outbox of the empty state, which one write stores, so the audiences and their
        // streams lose the member as when a profile leaves an audience. A crash cannot leave a profile that has its
        // data but no memberships, which the next evaluation would enter again. A merged profile exited its audiences
        // when it handed over, and its outbox keeps any exits it has not sent yet.
        if (state.MergedInto is null && state.Audiences.Memberships.Count > 0)
        {
            ExitAllAudiences();
        }

        // The empty state keeps the change version, so the change log numbers the erasure after the last change
        // and a sync exports the profile as deleted. The profile index keeps listing it, as an empty profile.
        profile.State = new ProfileState
        {
            ChangeVersion = state.ChangeVersion,
            Indexed = state.Indexed,
            ErasedAt = clock.GetUtcNow(),
            PendingErasure = result,
            Audiences = new ProfileAudienceState
            {
                Outbox = state.Audiences.Outbox,
                ChangeCount = state.Audiences.ChangeCount,
            },
        };
        _seenMessageIds = new SeenMessageIds();
        await PersistAsync();
        await PublishOutboxAsync();
        LogErased(_profileId, result.ExternalIds.Count, absorbedBy);
        return result;
    }

    public async Task CompleteErasureAsync()
    {
        ThrowIfStale();
        if (State.PendingErasure is null)
        {
            return;
        }

        State.PendingErasure = null;
        await PersistAsync();
    }

    /// <summary>
    /// Releases the ids of messages that reached this erased profile through Identity grains, which still named it
    /// because its erasure stopped before it released them. The gateway then resolves the messages again and they
    /// start a new profile.
    /// </summary>
    private Task ReleaseIdsOfResolvedMessagesAsync(IReadOnlyList<TrackedMessage> messages)
    {
        var owner = new[] { _profileId };
        var ids = messages.Where(message => !message.RoutedByKnownOwner).SelectMany(IdsOf).Distinct();
        return Task.WhenAll(ids.Select(id => GrainFactory
            .GetGrain<IIdentityGrain>(id.GrainKey(_workspaceId)).ReleaseAsync(owner)));
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Erased profile {ProfileId} with {IdCount} external ids (absorbed by {AbsorbedBy})")]
    private partial void LogErased(string profileId, int idCount, string? absorbedBy);
}
