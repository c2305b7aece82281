using Sendora.Grains;
using Sendora.Grains.Identity;
using Sendora.Grains.Ingestion;
using Sendora.Grains.Profiles;

namespace Sendora.Gateway.Identity;

public sealed partial class IdentityResolver
{
    /// <summary>
    /// Applies the device rule: a device id follows the most recent login. When the limits made a message
    /// drop a device id (<c>anonymous_id</c>, or a type ending in <c>.id</c>, <c>.idfa</c> or
    /// <c>.push_token</c>) and the message still carries a <c>user_id</c>, the id's Identity grain moves to
    /// the message's profile, so later messages with only that id land there. The id moves only when the
    /// message's timestamp is not older than that of the message that claimed or last moved it, so a late
    /// message cannot take it back. It also moves only when the profile stays within its limits with it.
    /// Events already stored stay with the profile that had them. Emails and custom ids never move.
    /// Returns the ids that now belong to <paramref name="target"/>, to attach to the message.
    /// </summary>
    private async Task<List<ExternalIdKey>> MoveDeviceIdsAsync(
        string workspaceId,
        IdentityRules rules,
        TrackedMessage message,
        string target,
        List<ExternalIdKey> attached,
        List<ExternalIdKey> dropped,
        ProfileIdentity[] identities,
        DateTimeOffset now,
        ResolutionCache cache)
    {
        var moved = new List<ExternalIdKey>();
        if (!attached.Exists(id => id.Type == UserIdType))
        {
            return moved;
        }

        foreach (var id in dropped.Where(IsDeviceId))
        {
            if (!FitsLimits(rules, identities, [.. attached, .. moved, id], now))
            {
                LogDeviceIdNotMoved(id.Type, message.MessageId, "the profile would break an id limit");
                continue;
            }

            var result = await grains.Reference<IIdentityGrain>(id.GrainKey(workspaceId)).MoveAsync(target, message.Timestamp);
            if (result.ProfileId != target)
            {
                cache.SetOwner(id, result.ProfileId);
                LogDeviceIdNotMoved(id.Type, message.MessageId, "a later message claimed or moved it");
                continue;
            }

            cache.Move(id, target);

            // The previous owner stops listing the id. A merged owner returns its survivor, which is asked next.
            var from = result.MovedFrom;
            for (var hop = 0; from is not null && from != target && hop < MaxForwardingHops; hop++)
            {
                from = await Profile(workspaceId, from).ForgetMovedIdAsync(id);
            }

            moved.Add(id);
        }

        return moved;
    }

    private static bool IsDeviceId(ExternalIdKey id) =>
        id.Type == AnonymousIdType
        || id.Type.EndsWith(".id", StringComparison.Ordinal)
        || id.Type.EndsWith(".idfa", StringComparison.Ordinal)
        || id.Type.EndsWith(".push_token", StringComparison.Ordinal);

    // The ids of every profile matched for the message count in full. After a merge rejected at the cap that
    // overstates what the target contains, so the check errs towards not moving.
    private static bool FitsLimits(IdentityRules rules, ProfileIdentity[] identities, List<ExternalIdKey> ids, DateTimeOffset now)
    {
        var held = identities.SelectMany(i => i.ExternalIds).Select(e => new ExternalIdKey(e.Type, e.Id))
            .Concat(ids).Distinct().Count();
        return held <= rules.MaxIdsPerProfile && !BreaksLimit(rules, identities, ids, now);
    }

    [LoggerMessage(Level = LogLevel.Debug,
        Message = "Kept a dropped device id of type {IdType} from message {MessageId} with its owner: {Reason}")]
    private partial void LogDeviceIdNotMoved(string idType, string messageId, string reason);
}
