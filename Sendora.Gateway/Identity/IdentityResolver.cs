using System.Security.Cryptography;
using Sendora.Grains;
using Sendora.Grains.Identity;
using Sendora.Grains.Ingestion;
using Sendora.Grains.Profiles;

namespace Sendora.Gateway.Identity;

/// <summary>
/// Decides which profile each message belongs to. A message whose ids match no profile gets a new one;
/// ids matching one profile attach to it; ids matching several merge them into the oldest, unless the
/// workspace's limits forbid it, in which case the message's lowest-priority id is dropped and matching
/// is tried again. A dropped device id may then move to the message's profile (see
/// <see cref="MoveDeviceIdsAsync"/>). Claims on Identity grains are atomic, so racing requests converge
/// on one profile: a request that loses a claim starts over with the winner's answer.
/// </summary>
public sealed partial class IdentityResolver(
    IGrainFactory grains,
    IdentityRulesCache rulesCache,
    KnownOwners knownOwners,
    TimeProvider clock,
    ILogger<IdentityResolver> logger)
{
    // Each retry follows a claim or merge that another request won, so a few always suffice in practice.
    private const int MaxAttempts = 8;
    private const int MaxForwardingHops = 8;
    private const string UserIdType = "user_id";
    private const string AnonymousIdType = "anonymous_id";

    /// <summary>
    /// Resolves every candidate. Messages sharing an id are resolved one after another, in order. When
    /// <paramref name="useKnownOwners"/> is true, a cluster of messages whose ids all belong to one profile by
    /// <see cref="KnownOwners"/> goes there without grain calls, marked <see cref="TrackedMessage.RoutedByKnownOwner"/>.
    /// </summary>
    public async Task<Resolution[]> ResolveAsync(
        string workspaceId, IReadOnlyList<Candidate> candidates, bool useKnownOwners = true)
    {
        var rules = await rulesCache.GetAsync(workspaceId);
        var results = new Resolution[candidates.Count];
        var idsByCandidate = candidates.Select(c => Filter(c, rules)).ToList();
        var clusters = Cluster(idsByCandidate);
        if (useKnownOwners)
        {
            clusters.RemoveAll(cluster => TryResolveKnown(workspaceId, rules, cluster, candidates, idsByCandidate, results));
        }

        var cache = new ResolutionCache();
        await Task.WhenAll(clusters.Select(async cluster =>
        {
            // Clusters share no id, so they resolve in parallel and share only the cache.
            foreach (var index in cluster)
            {
                results[index] = await ResolveOneAsync(workspaceId, rules, candidates[index], idsByCandidate[index], cache);
            }
        }));
        return results;
    }

    /// <summary>Records that the messages of <paramref name="messages"/> landed on <paramref name="profileId"/> with their ids.</summary>
    public void RememberOwner(string workspaceId, string profileId, IEnumerable<TrackedMessage> messages)
    {
        foreach (var message in messages)
        {
            if (!message.RoutedByKnownOwner)
            {
                knownOwners.Remember(workspaceId, message.ExternalIds, profileId);
            }
        }
    }

    /// <summary>Drops the remembered owners of the ids of <paramref name="messages"/>.</summary>
    public void ForgetOwners(string workspaceId, IEnumerable<TrackedMessage> messages) =>
        knownOwners.Forget(workspaceId, messages.SelectMany(m => m.ExternalIds));

    // Every message of the cluster must have ids that all belong to the same remembered profile. An alias names
    // an id beside its own, so it is always resolved through the Identity grains.
    private bool TryResolveKnown(
        string workspaceId,
        IdentityRules rules,
        List<int> cluster,
        IReadOnlyList<Candidate> candidates,
        List<List<ExternalIdKey>> idsByCandidate,
        Resolution[] results)
    {
        string? owner = null;
        foreach (var index in cluster)
        {
            if (candidates[index].Message.Type == MessageTypes.Alias
                || !knownOwners.TryGetOwner(workspaceId, idsByCandidate[index], out var profileId)
                || (owner is not null && owner != profileId))
            {
                return false;
            }

            owner = profileId;
        }

        foreach (var index in cluster)
        {
            var ids = idsByCandidate[index];
            ids.Sort((left, right) => rules.Compare(left.Type, right.Type));
            var message = candidates[index].Message with { ExternalIds = ids.ToList(), RoutedByKnownOwner = true };
            results[index] = new Resolution(owner, message, null);
        }

        return true;
    }

    private async Task<Resolution> ResolveOneAsync(
        string workspaceId,
        IdentityRules rules,
        Candidate candidate,
        List<ExternalIdKey> ids,
        ResolutionCache cache)
    {
        if (candidate.Message.Type == MessageTypes.Alias && candidate.Message.PreviousId is { } previousId
            && !rules.IsBlocked(previousId))
        {
            ids.Add(await PreviousIdKeyAsync(workspaceId, previousId));
        }

        if (ids.Count == 0)
        {
            return Resolution.Rejected(new Tracking.IngestionError("blocked_identity",
                "Every id of the message is on the workspace's blocked list (such as \"anonymousId\" or \"0\"), " +
                "so it cannot be attributed to a profile."));
        }

        ids.Sort((left, right) => rules.Compare(left.Type, right.Type));
        var now = clock.GetUtcNow();
        var dropped = new List<ExternalIdKey>();
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var owners = await OwnersAsync(workspaceId, ids, cache);
            var followed = await Task.WhenAll(owners.Values.OfType<string>().Distinct()
                .Select(owner => FollowAsync(workspaceId, owner)));

            // NOTE: ids that a concurrent request claimed but has not applied yet are not counted here, so two
            // racing requests can still give a profile more ids of a type than its limit allows.
            var identities = followed.Select(identity => cache.WithAttached(identity, now)).ToArray();
            var realOwners = identities.Select(i => i.ProfileId).Distinct().Order(StringComparer.Ordinal).ToList();

            if (realOwners.Count > 0 && ids.Count > 1 && BreaksLimit(rules, identities, ids, now))
            {
                LogIdDropped(ids[^1].Type, candidate.Message.MessageId);
                dropped.Add(ids[^1]);
                ids.RemoveAt(ids.Count - 1);
                continue;
            }

            var target = realOwners.Count > 0 ? realOwners[0] : NewProfileId(now);
            var attached = ids;
            if (realOwners.Count > 1)
            {
                var result = await Profile(workspaceId, target).AbsorbAsync(realOwners[1..], candidate.Message.MessageId, rules);
                if (result.ForwardedTo is not null)
                {
                    cache.ForgetOwners(ids);
                    continue;
                }

                if (result.Refused > 0)
                {
                    // Past the merge cap the message still lands on the survivor, without the ids of profiles
                    // it could not absorb.
                    var own = identities.Where(i => i.ProfileId == target).SelectMany(i => i.ExternalIds)
                        .Select(e => new ExternalIdKey(e.Type, e.Id)).ToHashSet();
                    attached = [.. ids.Where(id => owners[id] is null || own.Contains(id))];
                }
                else
                {
                    cache.Merge(target, realOwners[1..]);
                }
            }

            if (await ClaimUnownedAsync(workspaceId, attached, owners, target, candidate.Message.Timestamp, cache))
            {
                var moved = await MoveDeviceIdsAsync(
                    workspaceId, rules, candidate.Message, target, attached, dropped, identities, now, cache);
                // A List rather than a collection expression: for the compiler's own read-only list types, Orleans'
                // serializer (10.4) creates a codec by reflection on every message it sends.
                var message = candidate.Message with { ExternalIds = attached.Concat(moved).ToList() };
                return new Resolution(target, message, null);
            }
        }

        throw new IdentityConflictException(
            $"Identity resolution of message '{candidate.Message.MessageId}' did not settle after {MaxAttempts} attempts.");
    }

    // alias(previousId, userId): previousId is a user id when a profile has it as one, else an anonymous id.
    private async Task<ExternalIdKey> PreviousIdKeyAsync(string workspaceId, string previousId)
    {
        var asUser = new ExternalIdKey(UserIdType, previousId);
        var owner = await grains.Reference<IIdentityGrain>(asUser.GrainKey(workspaceId)).ResolveAsync();
        return owner is not null ? asUser : new ExternalIdKey(AnonymousIdType, previousId);
    }

    private async Task<Dictionary<ExternalIdKey, string?>> OwnersAsync(
        string workspaceId, List<ExternalIdKey> ids, ResolutionCache cache)
    {
        var owners = new Dictionary<ExternalIdKey, string?>();
        var missing = new List<ExternalIdKey>();
        foreach (var id in ids)
        {
            if (cache.TryGetOwner(id, out var owner))
            {
                owners[id] = owner;
            }
            else
            {
                missing.Add(id);
            }
        }

        var resolved = await Task.WhenAll(missing.Select(id =>
            grains.Reference<IIdentityGrain>(id.GrainKey(workspaceId)).ResolveAsync()));
        for (var i = 0; i < missing.Count; i++)
        {
            owners[missing[i]] = resolved[i];
        }

        return owners;
    }

    private async Task<bool> ClaimUnownedAsync(
        string workspaceId,
        List<ExternalIdKey> ids,
        Dictionary<ExternalIdKey, string?> owners,
        string target,
        DateTimeOffset messageTimestamp,
        ResolutionCache cache)
    {
        var unowned = ids.Where(id => owners[id] is null).ToList();
        var claimed = await Task.WhenAll(unowned.Select(id =>
            grains.Reference<IIdentityGrain>(id.GrainKey(workspaceId)).ClaimAsync(target, messageTimestamp)));
        for (var i = 0; i < unowned.Count; i++)
        {
            cache.SetOwner(unowned[i], claimed[i]);
        }

        // A claim that another request won means this one must start over with the new owner.
        if (claimed.Any(owner => owner != target))
        {
            return false;
        }

        cache.Attach(target, ids);
        return true;
    }

    private async Task<ProfileIdentity> FollowAsync(string workspaceId, string profileId)
    {
        var identity = await Profile(workspaceId, profileId).GetIdentityAsync();
        var forwarded = new List<string>();
        for (var hop = 0; identity.MergedInto is { } next && hop < MaxForwardingHops; hop++)
        {
            forwarded.Add(identity.ProfileId);
            identity = await Profile(workspaceId, next).GetIdentityAsync();
        }

        if (forwarded.Count > 0 && identity.MergedInto is null)
        {
            // An id still pointing at a merged profile means the merge may not have finished; the survivor
            // completes it, which costs nothing when it had.
            if (await Profile(workspaceId, identity.ProfileId).ResumeMergesAsync(forwarded) > 0)
            {
                identity = await Profile(workspaceId, identity.ProfileId).GetIdentityAsync();
            }
        }

        return identity;
    }

    private static bool BreaksLimit(
        IdentityRules rules, ProfileIdentity[] owners, List<ExternalIdKey> ids, DateTimeOffset now)
    {
        var combined = new Dictionary<ExternalIdKey, DateTimeOffset>();
        foreach (var id in owners.SelectMany(o => o.ExternalIds))
        {
            combined.TryAdd(new ExternalIdKey(id.Type, id.Id), id.CreatedAt);
        }

        foreach (var id in ids)
        {
            combined.TryAdd(id, now);
        }

        return combined.GroupBy(pair => pair.Key.Type).Any(group =>
        {
            var limit = rules.LimitOf(group.Key);
            var counted = limit.Window is { } window ? group.Count(pair => pair.Value >= now - window) : group.Count();
            return counted > limit.Max;
        });
    }

    private static List<ExternalIdKey> Filter(Candidate candidate, IdentityRules rules) =>
        [.. candidate.Ids.Where(id => !rules.IsBlocked(id.Value)).Distinct()];

    // Union-find over the candidates' ids: candidates that share an id, directly or through others, form one cluster.
    private static List<List<int>> Cluster(List<List<ExternalIdKey>> idsByCandidate)
    {
        var parent = Enumerable.Range(0, idsByCandidate.Count).ToArray();
        int Find(int i) => parent[i] == i ? i : parent[i] = Find(parent[i]);
        var firstWithId = new Dictionary<ExternalIdKey, int>();
        for (var i = 0; i < idsByCandidate.Count; i++)
        {
            foreach (var id in idsByCandidate[i])
            {
                if (firstWithId.TryGetValue(id, out var other))
                {
                    parent[Find(i)] = Find(other);
                }
                else
                {
                    firstWithId[id] = i;
                }
            }
        }

        return [.. Enumerable.Range(0, idsByCandidate.Count).GroupBy(Find).Select(g => g.ToList())];
    }

    private IProfileGrain Profile(string workspaceId, string profileId) =>
        grains.Reference<IProfileGrain>(GrainKeys.Scoped(workspaceId, profileId));

    // Ids sort by creation time, so the oldest profile survives a merge whichever request performs it.
    public static string NewProfileId(DateTimeOffset now) =>
        $"p_{now.ToUnixTimeMilliseconds():x12}{RandomNumberGenerator.GetHexString(12, lowercase: true)}";

    [LoggerMessage(Level = LogLevel.Debug,
        Message = "Dropped an id of type {IdType} from message {MessageId}: attaching it would break an id limit")]
    private partial void LogIdDropped(string idType, string messageId);
}

/// <summary>A message and the external ids found in it, waiting for identity resolution.</summary>
public sealed record Candidate(TrackedMessage Message, IReadOnlyList<ExternalIdKey> Ids);

/// <summary>The profile a message belongs to with the ids attached to it, or why it was rejected.</summary>
public sealed record Resolution(string? ProfileId, TrackedMessage? Message, Tracking.IngestionError? Error)
{
    public static Resolution Rejected(Tracking.IngestionError error) => new(null, null, error);
}

/// <summary>Raised when racing requests kept changing a message's profile; the request is answered 503 and retried.</summary>
public sealed class IdentityConflictException(string message) : Exception(message);
