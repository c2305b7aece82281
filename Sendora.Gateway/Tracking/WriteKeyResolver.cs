using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Sendora.Gateway.Hosting;
using Sendora.Grains;
using Sendora.Grains.Admin;

namespace Sendora.Gateway.Tracking;

/// <summary>
/// Looks up write keys through their grains and caches the answers for
/// <see cref="GatewayOptions.WriteKeyCacheDuration"/>, so a busy source costs no grain call per request.
/// A change made through this gateway's admin API takes effect here at once, elsewhere within that time.
/// </summary>
public sealed class WriteKeyResolver(IGrainFactory grains, TimeProvider clock, IOptions<GatewayOptions> options)
{
    private readonly ConcurrentDictionary<string, (WriteKeyBinding? Binding, DateTimeOffset Expires)> _cache =
        new(StringComparer.Ordinal);

    public async ValueTask<WriteKeyBinding?> ResolveAsync(string writeKey)
    {
        var now = clock.GetUtcNow();
        if (_cache.TryGetValue(writeKey, out var cached) && cached.Expires > now)
        {
            return cached.Binding;
        }

        var binding = await grains.Reference<IWriteKeyGrain>(writeKey).GetAsync();
        if (_cache.Count > 100_000)
        {
            // Unknown keys sent at random must not grow the cache without bound.
            _cache.Clear();
        }

        _cache[writeKey] = (binding, now + options.Value.WriteKeyCacheDuration);
        return binding;
    }

    public void Forget(string writeKey) => _cache.TryRemove(writeKey, out _);
}
