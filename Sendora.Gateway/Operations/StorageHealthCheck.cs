using Sendora.Grains.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Sendora.Silo.Hosting;

namespace Sendora.Gateway.Operations;

/// <summary>
/// Reports whether the storage services that <c>Sendora:Storage</c> uses respond within
/// <see cref="HealthOptions.CheckTimeout"/>: Redis, and the Azure table and queue endpoints.
/// </summary>
public sealed class StorageHealthCheck : IHealthCheck, IAsyncDisposable
{
    private readonly StorageKind _storage;
    private readonly RedisProbe? _redis;
    private readonly StorageProbe? _azure;

    public StorageHealthCheck(IConfiguration configuration, IOptions<HealthOptions> options)
    {
        var host = SiloHostingExtensions.ReadHostOptions(configuration);
        _storage = host.Storage;
        if (_storage == StorageKind.Redis)
        {
            _redis = new RedisProbe(host.Redis, options.Value.CheckTimeout);
        }

        if (host.UsesAzureStorage)
        {
            _azure = new StorageProbe(host.AzureStorage, options.Value.CheckTimeout);
        }
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_redis is null && _azure is null)
        {
            return HealthCheckResult.Healthy($"Sendora:Storage is {_storage}, which lives in this process.");
        }

        var responded = new List<string>();
        try
        {
            if (_redis is not null)
            {
                await _redis.CheckAsync(cancellationToken);
                responded.Add("Redis");
            }

            if (_azure is not null)
            {
                await _azure.CheckAsync(cancellationToken);
                responded.Add("the table and queue endpoints");
            }
        }
        catch (StorageUnreachableException exception)
        {
            return HealthCheckResult.Unhealthy(exception.Message, exception);
        }

        var description = string.Join(" and ", responded);
        return HealthCheckResult.Healthy(char.ToUpperInvariant(description[0]) + description[1..] + " responded.");
    }

    public async ValueTask DisposeAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
    }
}
