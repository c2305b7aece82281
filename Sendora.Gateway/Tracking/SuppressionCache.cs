using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Sendora.Gateway.Hosting;
using Sendora.Grains.Regulations;

namespace Sendora.Gateway.Tracking;

/// <summary>
/// Keeps each workspace's suppressed userIds in memory and checks the list's version once per
/// <see cref="GatewayOptions.WriteKeyCacheDuration"/>, so a tracking request costs no grain call for it. A regulation
/// created through this gateway applies here at once, and on the other gateways within that duration.
/// </summary>
public sealed class SuppressionCache(IGrainFactory grains, TimeProvider clock, IOptions<GatewayOptions> options)
{
    private static readonly FrozenUserIds Empty = new(0, new HashSet<string>(StringComparer.Ordinal));

    private readonly ConcurrentDictionary<string, (FrozenUserIds Set, DateTimeOffset Expires)> _cache =
        new(StringComparer.Ordinal);

    /// <summary>Returns the userIds that <paramref name="workspaceId"/> suppresses.</summary>
    public async ValueTask<IReadOnlySet<string>> GetAsync(string workspaceId)
    {
        var now = clock.GetUtcNow();
        var known = Empty;
        if (_cache.TryGetValue(workspaceId, out var cached))
        {
            if (cached.Expires > now)
            {
                return cached.Set.UserIds;
            }

            known = cached.Set;
        }

        var changed = await grains.GetGrain<IRegulationListGrain>(workspaceId).GetSuppressionsIfChangedAsync(known.Version);
        var current = changed is null
            ? known
            : new FrozenUserIds(changed.Version, changed.UserIds.ToHashSet(StringComparer.Ordinal));
        _cache[workspaceId] = (current, now + options.Value.WriteKeyCacheDuration);
        return current.UserIds;
    }

    public void Forget(string workspaceId) => _cache.TryRemove(workspaceId, out _);

    private sealed record FrozenUserIds(long Version, IReadOnlySet<string> UserIds);
}
