using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Sendora.Gateway.Hosting;
using Sendora.Grains;
using Sendora.Grains.Admin;
using Sendora.Grains.Identity;

namespace Sendora.Gateway.Identity;

/// <summary>
/// Caches each workspace's identity rules for <see cref="GatewayOptions.WriteKeyCacheDuration"/>, so
/// resolving a message costs no workspace grain call. A change through this gateway applies here at once.
/// </summary>
public sealed class IdentityRulesCache(IGrainFactory grains, TimeProvider clock, IOptions<GatewayOptions> options)
{
    private readonly ConcurrentDictionary<string, (IdentityRules Rules, DateTimeOffset Expires)> _cache =
        new(StringComparer.Ordinal);

    public async ValueTask<IdentityRules> GetAsync(string workspaceId)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(workspaceId, out var cached) && cached.Expires > now)
        {
            return cached.Rules;
        }

        var rules = await grains.Reference<IWorkspaceGrain>(workspaceId).GetIdentityRulesAsync();
        _cache[workspaceId] = (rules, now + options.Value.WriteKeyCacheDuration);
        return rules;
    }

    public void Forget(string workspaceId) => _cache.TryRemove(workspaceId, out _);
}
