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

    /// <summary>Returns the catalog of <paramref name="workspaceId"/> at version <paramref name="minVersion"/> or later.</summary>
    public ValueTask<AudienceCatalog> GetAsync(string workspaceId, long minVersion)
    {
        var now = clock.GetUtcNow();
        if (_catalogs.TryGetValue(workspaceId, out var cached)
            && cached.Catalog.Version >= minVersion
            && now - cached.ReadAt < options.Value.CatalogRefreshInterval)
        {
            return ValueTask.FromResult(cached.Catalog);
        }

        return new ValueTask<AudienceCatalog>(ReadAsync(workspaceId, now));
    }

    private async Task<AudienceCatalog> ReadAsync(string workspaceId, DateTimeOffset now)
    {
        var catalog = await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetCatalogAsync();

        // Reads that overlap can finish out of order; the cache keeps the newer version.
        _catalogs.AddOrUpdate(
            workspaceId,
            (catalog, now),
            (_, existing) => existing.Catalog.Version > catalog.Version ? existing : (catalog, now));
        return catalog;
    }
}
