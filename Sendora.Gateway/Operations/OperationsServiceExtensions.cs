using Sendora.Grains.Health;
using OpenTelemetry.Metrics;
using Sendora.Silo.Hosting;

namespace Sendora.Gateway.Operations;

/// <summary>Registers the gateway's metrics exporter and readiness checks.</summary>
public static class OperationsServiceExtensions
{
    public static WebApplicationBuilder AddSendoraOperations(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.AddSendoraMetrics("sendora-gateway")
            .WithMetrics(metrics => metrics.AddAspNetCoreInstrumentation().AddPrometheusExporter());

        services.AddOptions<HealthOptions>()
            .BindConfiguration(HealthOptions.SectionName)
            .Validate(o => o.CheckTimeout > TimeSpan.Zero,
                $"{HealthOptions.SectionName}:CheckTimeout must be a positive time span, such as 00:00:02.")
            .ValidateOnStart();

        // Singletons, so that the storage check keeps its clients and their connections between requests.
        services.AddSingleton<StorageHealthCheck>();
        services.AddSingleton<ClusterHealthCheck>();
        services.AddHealthChecks()
            .AddCheck<StorageHealthCheck>("storage", tags: [HealthApi.ReadinessTag])
            .AddCheck<ClusterHealthCheck>("cluster", tags: [HealthApi.ReadinessTag]);
        return builder;
    }
}
