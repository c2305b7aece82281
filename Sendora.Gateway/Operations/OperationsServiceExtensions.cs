using OpenTelemetry.Metrics;
using Sendora.Silo.Hosting;

namespace Sendora.Gateway.Operations;

/// <summary>Registers the gateway's metrics exporter.</summary>
public static class OperationsServiceExtensions
{
    public static WebApplicationBuilder AddSendoraOperations(this WebApplicationBuilder builder)
    {
        builder.AddSendoraMetrics("sendora-gateway")
            .WithMetrics(metrics => metrics.AddAspNetCoreInstrumentation().AddPrometheusExporter());

        return builder;
    }
}
