using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Sendora.Grains.Admin;

namespace Sendora.Grains.Audiences;

/// <summary>
/// A per-silo cache of one workspace's audiences and computed traits, keyed by workspace id, so that
/// profiles do not all call the Workspace grain on every message.
/// </summary>
public interface IAudienceCatalogGrain : IGrainWithStringKey
{
    /// <summary>Returns the catalog, read again from the workspace when the cached one is older than <paramref name="minVersion"/> or expired.</summary>
    Task<AudienceCatalog> GetAsync(long minVersion);
}

[StatelessWorker]
public sealed class AudienceCatalogGrain(IOptions<AudienceOptions> options, TimeProvider clock) : Grain, IAudienceCatalogGrain
{
    private AudienceCatalog? _catalog;
    private DateTimeOffset _readAt;

    public async Task<AudienceCatalog> GetAsync(long minVersion)
    {
        var now = clock.GetUtcNow();
        if (_catalog is { } cached && cached.Version >= minVersion && now - _readAt < options.Value.CatalogRefreshInterval)
        {
            return cached;
        }

        _catalog = await GrainFactory.GetGrain<IWorkspaceGrain>(this.GetPrimaryKeyString()).GetCatalogAsync();
        _readAt = now;
        return _catalog;
    }
}
