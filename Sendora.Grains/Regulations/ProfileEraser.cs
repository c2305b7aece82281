using Sendora.Grains.Channels;
using Sendora.Grains.Groups;
using Sendora.Grains.Identity;
using Sendora.Grains.Profiles;

namespace Sendora.Grains.Regulations;

/// <summary>
/// Erases the profile that has one external id: the profile's own data, the profiles it absorbed in merges, their
/// delivery records and group memberships, and the Identity grains of all their ids. Running it again for the same id
/// finds nothing more to erase.
/// </summary>
public sealed class ProfileEraser(IGrainFactory grains, string workspaceId)
{
    // How many merges the eraser follows from a profile to the one it forwards to, as the admin API does.
    private const int MaxForwardingHops = 8;

    /// <summary>Returns the ids of the erased profiles, none when no profile has <paramref name="id"/>.</summary>
    public async Task<IReadOnlyList<string>> EraseAsync(ExternalIdKey id)
    {
        var profileId = await grains.GetGrain<IIdentityGrain>(id.GrainKey(workspaceId)).ResolveAsync();
        if (profileId is null)
        {
            return [];
        }

        for (var hop = 0; hop < MaxForwardingHops; hop++)
        {
            var profile = Profile(profileId);
            var identity = await profile.GetIdentityAsync();
            if (identity.MergedInto is { } survivor)
            {
                profileId = survivor;
                continue;
            }

            // The ids are released before the data goes, so that a message arriving meanwhile creates a new profile
            // instead of landing on the one being erased. Ids the profile claims meanwhile come back in the result.
            await ReleaseAsync(identity.ExternalIds, [profileId]);
            var result = await profile.EraseAsync(absorbedBy: null);
            if (result.ForwardedTo is { } forwardedTo)
            {
                profileId = forwardedTo;
                continue;
            }

            List<string> erased = [profileId, .. result.AbsorbedProfileIds];
            await ReleaseAsync(result.ExternalIds, erased);
            foreach (var absorbedId in result.AbsorbedProfileIds)
            {
                var absorbed = await Profile(absorbedId).EraseAsync(absorbedBy: profileId);
                await ReleaseAsync(absorbed.ExternalIds, erased);
            }

            await Task.WhenAll(erased.Select(erasedId => grains
                .GetGrain<IProfileDeliveryGrain>(GrainKeys.Scoped(workspaceId, erasedId)).EraseAsync()));
            var memberId = profileId;
            await Task.WhenAll(result.GroupIds.Select(groupId => grains
                .GetGrain<IGroupGrain>(GrainKeys.Scoped(workspaceId, GrainKeys.EncodeValue(groupId)))
                .RemoveMemberAsync(memberId)));
            return erased;
        }

        throw new InvalidOperationException(
            $"The profile of '{id}' forwards through more than {MaxForwardingHops} merges; try the regulation again.");
    }

    private IProfileGrain Profile(string profileId) => grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspaceId, profileId));

    private Task ReleaseAsync(IEnumerable<ExternalId> ids, IReadOnlyList<string> profileIds) =>
        Task.WhenAll(ids.Select(id => grains
            .GetGrain<IIdentityGrain>(GrainKeys.ForExternalId(workspaceId, id.Type, id.Id))
            .ReleaseAsync(profileIds)));
}
