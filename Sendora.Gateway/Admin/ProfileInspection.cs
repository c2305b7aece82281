using Sendora.Grains.Profiles;

namespace Sendora.Gateway.Admin;

/// <summary>
/// A profile's live state and the explanation of its audiences. <see cref="Resolution"/> is set when the profile
/// was found through an external id.
/// </summary>
public sealed record ProfileInspection(
    string ProfileId,
    ProfileResolution? Resolution,
    InspectedGrain Grain,
    ProfileExplanation Audiences);

/// <summary>
/// How an external id led to a profile: the profile its Identity grain names, and the merged profiles
/// followed from there to the survivor, in order.
/// </summary>
public sealed record ProfileResolution(string ExternalId, string IdentityProfileId, IReadOnlyList<string> MergedProfiles);
