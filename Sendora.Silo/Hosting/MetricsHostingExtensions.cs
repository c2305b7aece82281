using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Sendora.Grains;

namespace Sendora.Silo.Hosting;

/// <summary>Registers the OpenTelemetry metrics that silos and gateways export.</summary>
public static class MetricsHostingExtensions
{
    /// <summary>
    /// The meter of the Orleans runtime (10.x): grain call latency as the histogram
    /// <c>orleans-app-requests-latency</c>, and activations, messaging, storage, reminders and streams.
    /// </summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>
    /// Adds OpenTelemetry metrics with the <c>Sendora</c>, Orleans and .NET runtime meters, under
    /// <paramref name="serviceName"/>. The caller adds an exporter to the returned builder.
    /// </summary>
    public static OpenTelemetryBuilder AddSendoraMetrics(this IHostApplicationBuilder builder, string serviceName)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOptions<MetricsOptions>()
            .BindConfiguration(MetricsOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName))
            .WithMetrics(metrics => metrics
                .AddMeter(SendoraMetrics.MeterName, OrleansMeterName)
                .AddRuntimeInstrumentation());
    }

    /// <summary>
    /// Serves <c>/metrics</c> from a silo process on <c>Sendora:Metrics:SiloPort</c>. It adds nothing while that is 0.
    /// </summary>
    public static IHostApplicationBuilder AddSiloMetricsEndpoint(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Configuration.GetSection(MetricsOptions.SectionName).Get<MetricsOptions>() ?? new();
        if (options.SiloPort == 0)
        {
            return builder;
        }

        if (options.SiloPort is < 0 or > 65535)
        {
            throw new InvalidOperationException(
                $"{MetricsOptions.SectionName}:SiloPort is {options.SiloPort}; set a TCP port from 1 to 65535, or 0 for no endpoint.");
        }

        if (!IPAddress.TryParse(options.SiloAddress, out _))
        {
            throw new InvalidOperationException(
                $"{MetricsOptions.SectionName}:SiloAddress is '{options.SiloAddress}', which is not an IP address; " +
                "set one such as 127.0.0.1 or 0.0.0.0.");
        }

        builder.AddSendoraMetrics("sendora-silo").WithMetrics(metrics => metrics.AddPrometheusExporter());
        builder.Services.AddHostedService<SiloMetricsServer>();
        return builder;
    }
}
