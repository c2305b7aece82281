using Orleans.Concurrency;
using Sendora.Grains.Profiles;

namespace Sendora.Grains.Ingestion;

/// <summary>
/// Applies the messages of one request to their profiles from inside a silo. A batch for many people then
/// crosses the connection between the gateway and the cluster once, instead of once per profile.
/// </summary>
public interface IIngestGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Applies each group's messages to its profile, following merged profiles to their survivors, and returns
    /// one result per group in the same order. Fails when any profile fails, like the calls it makes.
    /// </summary>
    Task<IReadOnlyList<ProfileApplication>> ApplyAsync(string workspaceId, IReadOnlyList<ProfileMessages> groups);
}

/// <summary>The messages of one request that belong to one profile, in the request's order.</summary>
[GenerateSerializer, Immutable, Alias("sendora.ProfileMessages")]
public sealed record ProfileMessages(
    [property: Id(0)] string ProfileId,
    [property: Id(1)] IReadOnlyList<TrackedMessage> Messages);

/// <summary>The result of applying one profile's messages, and the profile they landed on after any merges.</summary>
[GenerateSerializer, Immutable, Alias("sendora.ProfileApplication")]
public sealed record ProfileApplication(
    [property: Id(0)] ApplyResult Result,
    [property: Id(1)] string LandedOn)
{
    // A merged profile returns its survivor instead of applying, because the survivor may be calling it during
    // the merge. The messages then follow it there.
    private const int MaxForwardingHops = 8;

    /// <summary>Applies <paramref name="messages"/> to a profile, or to the survivor it was merged into.</summary>
    public static async Task<ProfileApplication> ApplyAsync(
        IGrainFactory grains, string workspaceId, string profileId, IReadOnlyList<TrackedMessage> messages)
    {
        for (var hop = 0; hop < MaxForwardingHops; hop++)
        {
            var result = await grains.Reference<IProfileGrain>(GrainKeys.Scoped(workspaceId, profileId)).ApplyAsync(messages);
            if (result.ForwardedTo is not { } survivor)
            {
                return new ProfileApplication(result, profileId);
            }

            profileId = survivor;
        }

        throw new InvalidOperationException(
            $"Profile '{profileId}' forwards through more than {MaxForwardingHops} merged profiles.");
    }
}

/// <summary>
/// The ingest grain: one reentrant activation per silo, which takes every concurrent request at once and only
/// waits on the profiles.
/// </summary>
[StatelessWorker(1), Reentrant]
public sealed class IngestGrain : Grain, IIngestGrain
{
    public async Task<IReadOnlyList<ProfileApplication>> ApplyAsync(string workspaceId, IReadOnlyList<ProfileMessages> groups) =>
        await Task.WhenAll(groups.Select(group =>
            ProfileApplication.ApplyAsync(GrainFactory, workspaceId, group.ProfileId, group.Messages)));
}
