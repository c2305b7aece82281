using Sendora.Grains.Health;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Sendora.Gateway.Operations;

/// <summary>
/// Reports whether a silo responds to a call to the management grain within <see cref="HealthOptions.CheckTimeout"/>
/// and lists at least one active silo.
/// </summary>
public sealed class ClusterHealthCheck(IGrainFactory grains, IOptions<HealthOptions> options) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var timeout = options.Value.CheckTimeout;
        Dictionary<SiloAddress, SiloStatus> silos;
        try
        {
            silos = await grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException exception)
        {
            return HealthCheckResult.Unhealthy($"No silo responded within {timeout.TotalSeconds:0.#} seconds.", exception);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"No silo responded: {exception.Message}", exception);
        }

        return silos.Count > 0
            ? HealthCheckResult.Healthy($"A silo responded and lists {silos.Count} active silos.")
            : HealthCheckResult.Unhealthy("The cluster has no active silo.");
    }
}
