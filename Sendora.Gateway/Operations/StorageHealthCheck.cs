using Sendora.Grains.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Sendora.Silo.Hosting;

namespace Sendora.Gateway.Operations;

/// <summary>Reports whether the Azure table and queue endpoints respond within <see cref="HealthOptions.CheckTimeout"/>.</summary>
public sealed class StorageHealthCheck : IHealthCheck
{
    private readonly StorageKind _storage;
    private readonly StorageProbe? _probe;

    public StorageHealthCheck(IConfiguration configuration, IOptions<HealthOptions> options)
    {
        var host = SiloHostingExtensions.ReadHostOptions(configuration);
        _storage = host.Storage;
        if (_storage == StorageKind.AzureStorage)
        {
            _probe = new StorageProbe(host.AzureStorage, options.Value.CheckTimeout);
        }
    }

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (_probe is null)
        {
            return HealthCheckResult.Healthy($"Sendora:Storage is {_storage}, which lives in this process.");
        }

        try
        {
            await _probe.CheckAsync(cancellationToken);
            return HealthCheckResult.Healthy("The table and queue endpoints responded.");
        }
        catch (StorageUnreachableException exception)
        {
            return HealthCheckResult.Unhealthy(exception.Message, exception);
        }
    }
}
