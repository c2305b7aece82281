using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Sendora.Gateway.Hosting;
using Sendora.Grains;
using Sendora.Grains.Admin;
using Sendora.Grains.Identity;

namespace Sendora.Gateway.Identity;

/// <summary>
/// Caches each workspace's identity rules for <see cref="GatewayOptions.WriteKeyCacheDuration"/>, so
/// resolving a message costs no workspace grain call. A change through this gateway applies here at once.
/// When the rules read differ from those cached before, the owners remembered for the workspace are dropped,
/// because a message that the old rules attached to a profile may need other ids under the new ones.
/// </summary>
public sealed class IdentityRulesCache(
    IGrainFactory grains, KnownOwners knownOwners, TimeProvider clock, IOptions<GatewayOptions> options)
{
    private readonly ConcurrentDictionary<string, (IdentityRules Rules, string Text, DateTimeOffset Expires)> _cache =
        new(StringComparer.Ordinal);

    public async ValueTask<IdentityRules> GetAsync(string workspaceId)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(workspaceId, out var cached) && cached.Expires > now)
        {
            return cached.Rules;
        }

        var rules = await grains.Reference<IWorkspaceGrain>(workspaceId).GetIdentityRulesAsync();
        var text = JsonSerializer.Serialize(rules);
        if (cached.Text is not null && cached.Text != text)
        {
            knownOwners.ForgetWorkspace(workspaceId);
        }

        _cache[workspaceId] = (rules, text, now + options.Value.WriteKeyCacheDuration);
        return rules;
    }

    public void Forget(string workspaceId)
    {
        _cache.TryRemove(workspaceId, out _);
        knownOwners.ForgetWorkspace(workspaceId);
    }
}
