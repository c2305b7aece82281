using Microsoft.Extensions.Options;
using Sendora.Gateway.Hosting;
using Sendora.Grains.Identity;

namespace Sendora.Gateway.Identity;

/// <summary>
/// The profile that each external id belonged to when this gateway last resolved it. A message whose ids all
/// belong to one profile goes straight there, which saves a call to each id's Identity grain and one to the
/// profile for its ids. The profile checks that it still lists every id of such a message and rejects the call
/// otherwise, so an out-of-date entry costs a second resolution and never puts a message on the wrong profile.
/// </summary>
/// <remarks>
/// An entry lives for <see cref="GatewayOptions.IdOwnerCacheDuration"/> from the resolution that made it,
/// however often it is read. The cache keeps at most <see cref="GatewayOptions.IdOwnerCacheSize"/> entries in
/// two generations: when the newer one is half full it becomes the older, and the older one is dropped.
/// An entry read from the older generation is copied into the newer.
/// </remarks>
public sealed class KnownOwners(TimeProvider clock, IOptions<GatewayOptions> options)
{
    private readonly Lock _lock = new();
    private readonly int _generationSize = options.Value.IdOwnerCacheSize / 2;
    private readonly TimeSpan _duration = options.Value.IdOwnerCacheDuration;
    private Dictionary<Key, Entry> _newer = [];
    private Dictionary<Key, Entry> _older = [];

    private bool Enabled => _generationSize > 0 && _duration > TimeSpan.Zero;

    /// <summary>Finds the one profile that every id of <paramref name="ids"/> belongs to; false when any id is unknown or they differ.</summary>
    public bool TryGetOwner(string workspaceId, IReadOnlyList<ExternalIdKey> ids, out string profileId)
    {
        profileId = string.Empty;
        if (!Enabled || ids.Count == 0)
        {
            return false;
        }

        var now = clock.GetUtcNow().UtcTicks;
        lock (_lock)
        {
            string? owner = null;
            foreach (var id in ids)
            {
                if (!TryGetLocked(new Key(workspaceId, id), now, out var entry)
                    || (owner is not null && !string.Equals(owner, entry.ProfileId, StringComparison.Ordinal)))
                {
                    return false;
                }

                owner = entry.ProfileId;
            }

            profileId = owner!;
            return true;
        }
    }

    /// <summary>Records that <paramref name="ids"/> belong to <paramref name="profileId"/> now.</summary>
    public void Remember(string workspaceId, IReadOnlyList<ExternalIdKey> ids, string profileId)
    {
        if (!Enabled || ids.Count == 0)
        {
            return;
        }

        var entry = new Entry(profileId, clock.GetUtcNow().UtcTicks + _duration.Ticks);
        lock (_lock)
        {
            foreach (var id in ids)
            {
                AddLocked(new Key(workspaceId, id), entry);
            }
        }
    }

    /// <summary>Drops what is known of <paramref name="ids"/>, so that their owners are read from their grains.</summary>
    public void Forget(string workspaceId, IEnumerable<ExternalIdKey> ids)
    {
        lock (_lock)
        {
            foreach (var id in ids)
            {
                var key = new Key(workspaceId, id);
                _newer.Remove(key);
                _older.Remove(key);
            }
        }
    }

    /// <summary>Drops everything known of <paramref name="workspaceId"/>, as when its identity rules change.</summary>
    public void ForgetWorkspace(string workspaceId)
    {
        lock (_lock)
        {
            foreach (var generation in (Dictionary<Key, Entry>[])[_newer, _older])
            {
                foreach (var key in generation.Keys.Where(k => k.WorkspaceId == workspaceId).ToList())
                {
                    generation.Remove(key);
                }
            }
        }
    }

    private bool TryGetLocked(Key key, long now, out Entry entry)
    {
        if (_newer.TryGetValue(key, out entry))
        {
            return entry.Expires > now;
        }

        if (!_older.Remove(key, out entry) || entry.Expires <= now)
        {
            return false;
        }

        AddLocked(key, entry);
        return true;
    }

    private void AddLocked(Key key, Entry entry)
    {
        if (_newer.Count >= _generationSize && !_newer.ContainsKey(key))
        {
            _older = _newer;
            _newer = new Dictionary<Key, Entry>(_generationSize);
        }

        _newer[key] = entry;
    }

    private readonly record struct Key(string WorkspaceId, ExternalIdKey Id);

    private readonly record struct Entry(string ProfileId, long Expires);
}
