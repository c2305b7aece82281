using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Sendora.Grains.Admin;

namespace Sendora.Grains.Audiences;

/// <summary>
/// A per-silo cache of each workspace's audiences and computed traits, so that profiles do not all call the
/// Workspace grain on every message. A catalog is read again when a caller needs a newer version than the
/// cached one, or when it is older than <see cref="AudienceOptions.CatalogRefreshInterval"/>.
/// </summary>
/// <remarks>
/// Grains call it directly rather than through a stateless worker grain: on a profile's hot path, the grain
/// call cost more than the lookup itself. <see cref="AudienceCatalog"/> is immutable, so one copy serves every
/// caller.
/// </remarks>
public sealed class AudienceCatalogCache(IGrainFactory grains, IOptions<AudienceOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, (AudienceCatalog Catalog, DateTimeOffset ReadAt)> _catalogs =
        new(StringComparer.Ordinal);

    // The read in flight for each workspace. Profiles that find the catalog expired at the same moment share it,
    // so the Workspace grain gets one call instead of one per profile.
    private readonly ConcurrentDictionary<string, Task<AudienceCatalog>> _reads = new(StringComparer.Ordinal);

    /// <summary>Returns the catalog of <paramref name="workspaceId"/> at version <paramref name="minVersion"/> or later.</summary>
    public async ValueTask<AudienceCatalog> GetAsync(string workspaceId, long minVersion)
    {
        for (var attempt = 0; ; attempt++)
        {
            var now = clock.GetUtcNow();
            if (_catalogs.TryGetValue(workspaceId, out var cached)
                && cached.Catalog.Version >= minVersion
                && now - cached.ReadAt < options.Value.CatalogRefreshInterval)
            {
                return cached.Catalog;
            }

            var read = _reads.GetOrAdd(workspaceId, id => ReadAsync(id, now));
            var catalog = await read;

            // A shared read that started before the version this caller needs existed is followed by one of its own.
            if (catalog.Version >= minVersion || attempt > 0)
            {
                return catalog;
            }
        }
    }

    private async Task<AudienceCatalog> ReadAsync(string workspaceId, DateTimeOffset now)
    {
        try
        {
            var catalog = await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetCatalogAsync();

            // Reads that overlap can finish out of order; the cache keeps the newer version.
            _catalogs.AddOrUpdate(
                workspaceId,
                (catalog, now),
                (_, existing) => existing.Catalog.Version > catalog.Version ? existing : (catalog, now));
            return catalog;
        }
        finally
        {
            _reads.TryRemove(workspaceId, out _);
        }
    }
}
