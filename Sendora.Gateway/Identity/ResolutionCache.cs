using Sendora.Grains.Identity;
using Sendora.Grains.Profiles;

namespace Sendora.Gateway.Identity;

/// <summary>
/// The identity facts that the messages of one request share while they resolve: the owner of each id as
/// last read or changed, and the ids that earlier messages of the request attached to each profile. A
/// profile lists those ids only when the gateway applies the messages after all are resolved, so the
/// limits count them from here. Clusters that resolve in parallel share one instance, so every member locks.
/// </summary>
internal sealed class ResolutionCache
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ExternalIdKey, string> _owners = [];
    private readonly Dictionary<string, HashSet<ExternalIdKey>> _attached = new(StringComparer.Ordinal);

    public bool TryGetOwner(ExternalIdKey id, out string owner)
    {
        lock (_lock)
        {
            return _owners.TryGetValue(id, out owner!);
        }
    }

    public void SetOwner(ExternalIdKey id, string owner)
    {
        lock (_lock)
        {
            _owners[id] = owner;
        }
    }

    /// <summary>Drops the owners of <paramref name="ids"/>, so that they are read again from their grains.</summary>
    public void ForgetOwners(IEnumerable<ExternalIdKey> ids)
    {
        lock (_lock)
        {
            foreach (var id in ids)
            {
                _owners.Remove(id);
            }
        }
    }

    /// <summary>Records that a message of this request attached <paramref name="ids"/> to <paramref name="profileId"/>.</summary>
    public void Attach(string profileId, IEnumerable<ExternalIdKey> ids)
    {
        lock (_lock)
        {
            if (!_attached.TryGetValue(profileId, out var set))
            {
                _attached[profileId] = set = [];
            }

            foreach (var id in ids)
            {
                _owners[id] = profileId;
                set.Add(id);
            }
        }
    }

    /// <summary>Records that <paramref name="id"/> moved to <paramref name="profileId"/>, leaving any profile it was attached to.</summary>
    public void Move(ExternalIdKey id, string profileId)
    {
        lock (_lock)
        {
            foreach (var set in _attached.Values)
            {
                set.Remove(id);
            }
        }

        Attach(profileId, [id]);
    }

    /// <summary>Records that <paramref name="survivorId"/> absorbed <paramref name="victimIds"/>, with the ids attached to them.</summary>
    public void Merge(string survivorId, IEnumerable<string> victimIds)
    {
        var ids = new List<ExternalIdKey>();
        lock (_lock)
        {
            foreach (var victimId in victimIds)
            {
                if (_attached.Remove(victimId, out var set))
                {
                    ids.AddRange(set);
                }
            }
        }

        Attach(survivorId, ids);
    }

    /// <summary>Returns <paramref name="identity"/> with the ids this request attached to it, first seen at <paramref name="now"/>.</summary>
    public ProfileIdentity WithAttached(ProfileIdentity identity, DateTimeOffset now)
    {
        lock (_lock)
        {
            if (!_attached.TryGetValue(identity.ProfileId, out var set) || set.Count == 0)
            {
                return identity;
            }

            var listed = identity.ExternalIds.Select(e => new ExternalIdKey(e.Type, e.Id)).ToHashSet();
            var added = set.Where(id => !listed.Contains(id)).Select(id => new ExternalId(id.Type, id.Value, string.Empty, now));
            return identity with { ExternalIds = [.. identity.ExternalIds, .. added] };
        }
    }
}
