using Sendora.Grains.Admin;
using Sendora.Grains.Channels;
using Sendora.Grains.Groups;
using Sendora.Grains.Identity;
using Sendora.Grains.Journeys;
using Sendora.Grains.Profiles;

namespace Sendora.Grains.Regulations;

/// <summary>
/// Erases a person's profile: its own data, the profiles it absorbed in merges, their journey runs, delivery data and
/// group memberships, and the Identity grains of all their ids. Every step can run again, so an erasure stopped by a
/// crash finishes when it is run again for the same profile.
/// </summary>
public sealed class ProfileEraser(IGrainFactory grains, string workspaceId)
{
    // How many merges the eraser follows from a profile to the one it forwards to, as the admin API does.
    private const int MaxForwardingHops = 8;

    /// <summary>Returns the profile that has <paramref name="id"/>, after any merges, or null when none has it.</summary>
    public async Task<string?> FindAsync(ExternalIdKey id)
    {
        var profileId = await grains.GetGrain<IIdentityGrain>(id.GrainKey(workspaceId)).ResolveAsync();
        for (var hop = 0; profileId is not null && hop < MaxForwardingHops; hop++)
        {
            var identity = await Profile(profileId).GetIdentityAsync();
            if (identity.MergedInto is not { } survivor)
            {
                return profileId;
            }

            profileId = survivor;
        }

        return profileId is null ? null : throw TooManyHops(id.ToString());
    }

    /// <summary>Erases <paramref name="profileId"/>, or the profile it was merged into, and returns the erased profiles' ids.</summary>
    public async Task<IReadOnlyList<string>> EraseAsync(string profileId)
    {
        for (var hop = 0; hop < MaxForwardingHops; hop++)
        {
            var profile = Profile(profileId);

            // The ids are released before the data goes, so that a message arriving meanwhile starts a new profile
            // instead of landing on the one being erased. Ids the profile claims meanwhile come back in the result.
            var identity = await profile.GetIdentityAsync();
            if (identity.MergedInto is null)
            {
                await ReleaseAsync(identity.ExternalIds, [profileId]);
            }

            var result = await profile.EraseAsync(absorbedBy: null);
            if (result.ForwardedTo is { } forwardedTo)
            {
                profileId = forwardedTo;
                continue;
            }

            List<string> erased = [profileId, .. result.AbsorbedProfileIds];
            var absorbedResults = await Task.WhenAll(result.AbsorbedProfileIds.Select(absorbedId =>
                Profile(absorbedId).EraseAsync(absorbedBy: profileId)));
            await ReleaseAsync(result.ExternalIds.Concat(absorbedResults.SelectMany(absorbed => absorbed.ExternalIds)), erased);

            // Before the delivery data, so that no run step starts a delivery once that data is gone. The deliveries go
            // before the profiles' delivery logs, which list some of their ids, so that a retry still finds those ids.
            var runDeliveryIds = await EraseJourneyRunsAsync(erased, [result, .. absorbedResults]);
            await EraseDeliveriesAsync(erased, runDeliveryIds);
            await Task.WhenAll(erased.Select(erasedId => ProfileDeliveries(erasedId).EraseAsync()));
            var memberships = result.GroupIds.Select(groupId => (groupId, MemberId: profileId))
                .Concat(result.AbsorbedProfileIds.Zip(absorbedResults)
                    .SelectMany(pair => pair.Second.GroupIds.Select(groupId => (groupId, MemberId: pair.First))));
            await Task.WhenAll(memberships.Distinct().Select(membership => grains
                .GetGrain<IGroupGrain>(GrainKeys.Scoped(workspaceId, GrainKeys.EncodeValue(membership.groupId)))
                .RemoveMemberAsync(membership.MemberId)));

            // Last, so that a retry after a crash anywhere above still gets the ids to clean up.
            await Task.WhenAll(erased.Select(erasedId => Profile(erasedId).CompleteErasureAsync()));
            return erased;
        }

        throw TooManyHops(profileId);
    }

    /// <summary>
    /// Erases the run grains of every erased profile in every journey of the workspace, because the profile's state
    /// lists only the journeys it follows and not those where its runs have finished.
    /// </summary>
    private async Task<IEnumerable<string>> EraseJourneyRunsAsync(IReadOnlyList<string> profileIds, IReadOnlyList<EraseResult> results)
    {
        var journeyIds = await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetJourneyIdsAsync();
        var erasures = profileIds.Zip(results).SelectMany(pair =>
        {
            var (profileId, result) = pair;
            var followed = result.JourneyIds.ToHashSet(StringComparer.Ordinal);
            return journeyIds.Union(followed, StringComparer.Ordinal).Select(journeyId => grains
                .GetGrain<IJourneyRunGrain>(GrainKeys.Scoped(workspaceId, $"{journeyId}/{profileId}"))
                .EraseAsync(followed.Contains(journeyId)));
        });
        var deliveryIds = await Task.WhenAll(erasures);
        return deliveryIds.SelectMany(ids => ids);
    }

    /// <summary>
    /// Erases the person's data from the deliveries that the runs list and from those in the profiles' delivery logs,
    /// which also list deliveries of finished runs that a run grain no longer keeps.
    /// </summary>
    private async Task EraseDeliveriesAsync(IReadOnlyList<string> profileIds, IEnumerable<string> runDeliveryIds)
    {
        // NOTE: a delivery that neither list keeps any more (a run grain keeps 10 finished runs, a profile's log
        // ProfileLogLimit deliveries) is not found, so its grain and its step's log entry keep the person's data.
        var logs = await Task.WhenAll(profileIds.Select(profileId => ProfileDeliveries(profileId).GetLogAsync(0, int.MaxValue)));
        var deliveryIds = runDeliveryIds
            .Concat(logs.SelectMany(log => log.Deliveries.Select(record => record.DeliveryId)))
            .Distinct(StringComparer.Ordinal);
        await Task.WhenAll(deliveryIds.Select(deliveryId => grains
            .GetGrain<IDeliveryGrain>(GrainKeys.Scoped(workspaceId, deliveryId)).EraseAsync()));
    }

    private IProfileDeliveryGrain ProfileDeliveries(string profileId) =>
        grains.GetGrain<IProfileDeliveryGrain>(GrainKeys.Scoped(workspaceId, profileId));

    private IProfileGrain Profile(string profileId) => grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspaceId, profileId));

    private Task ReleaseAsync(IEnumerable<ExternalId> ids, IReadOnlyList<string> profileIds) =>
        Task.WhenAll(ids.Distinct().Select(id => grains
            .GetGrain<IIdentityGrain>(GrainKeys.ForExternalId(workspaceId, id.Type, id.Id))
            .ReleaseAsync(profileIds)));

    private static InvalidOperationException TooManyHops(string start) => new(
        $"The profile of '{start}' forwards through more than {MaxForwardingHops} merges; run the regulation again.");
}
