using System.Net;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Observability;

/// <summary>The scrape endpoint of a silo process that runs apart from the gateway.</summary>
public sealed class SiloMetricsTests
{
    [Fact]
    public async Task SiloPort_ServesOrleansMetrics()
    {
        await using var azurite = await Azurite.StartAsync();
        var metricsPort = Ports.GetFree();
        var environment = new Dictionary<string, string>
        {
            ["Sendora__AzureStorage__ConnectionString"] = azurite.ConnectionString,
            ["Sendora__Cluster__SiloPort"] = Ports.GetFree().ToString(),
            ["Sendora__Cluster__GatewayPort"] = Ports.GetFree().ToString(),
            ["Sendora__Metrics__SiloPort"] = metricsPort.ToString(),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        await using var silo = SendoraProcess.Start("Sendora.Silo", environment);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}"), Timeout = TimeSpan.FromSeconds(10) };

        var scrape = await WaitForScrapeAsync(http, silo, TimeSpan.FromSeconds(90));

        Assert.Contains("service_name=\"sendora-silo\"", scrape);
        Assert.Contains("otel_scope_name=\"Microsoft.Orleans\"", scrape);
    }

    [Fact]
    public async Task SiloPortOutOfRange_ExitsNamingKey()
    {
        var environment = new Dictionary<string, string>
        {
            ["Sendora__Storage"] = "Memory",
            ["Sendora__Metrics__SiloPort"] = "70000",
        };

        await using var silo = SendoraProcess.Start("Sendora.Silo", environment);
        await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, silo.ExitCode);
        Assert.Contains("Sendora:Metrics:SiloPort", silo.Output);
        Assert.DoesNotContain("   at ", silo.Output, StringComparison.Ordinal);
    }

    // The listener opens once the silo has started, which takes a few seconds.
    private static async Task<string> WaitForScrapeAsync(HttpClient http, SendoraProcess silo, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !silo.HasExited)
        {
            try
            {
                using var response = await http.GetAsync("/metrics");
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode == HttpStatusCode.OK && text.Contains("Microsoft.Orleans", StringComparison.Ordinal))
                {
                    return text;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(500);
        }

        throw new TimeoutException($"The silo served no Orleans metrics on /metrics. Output:\n{silo.Output}");
    }
}
