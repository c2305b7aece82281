using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Sendora.Silo.Hosting;

/// <summary>
/// Serves the silo's <c>/metrics</c> from a Kestrel server of its own on <see cref="MetricsOptions.SiloPort"/>,
/// because a silo process has no other HTTP server.
/// </summary>
internal sealed partial class SiloMetricsServer(
    MeterProvider meterProvider, IOptions<MetricsOptions> options, ILogger<SiloMetricsServer> logger) : IHostedService
{
    private WebApplication? _app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var address = IPAddress.Parse(settings.SiloAddress);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(address, settings.SiloPort);
        });
        var app = builder.Build();
        app.MapPrometheusScrapingEndpoint("/metrics", meterProvider, configureBranchedPipeline: null, optionsName: null);
        await app.StartAsync(cancellationToken);
        _app = app;
        LogServing(settings.SiloAddress, settings.SiloPort);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
            await _app.DisposeAsync();
            _app = null;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Serving metrics at http://{Address}:{Port}/metrics")]
    private partial void LogServing(string address, int port);
}
