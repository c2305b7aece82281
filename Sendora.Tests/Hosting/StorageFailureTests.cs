using System.Net;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Hosting;

/// <summary>What Sendora does when Azure storage cannot be reached, at start and while running.</summary>
public sealed class StorageFailureTests
{
    [Fact]
    public async Task SiloWithUnreachableStorage_ExitsNamingTheEndpoint()
    {
        var closedPort = Ports.GetFree();
        var environment = new Dictionary<string, string>
        {
            ["Sendora__AzureStorage__ConnectionString"] = Azurite.ConnectionStringFor(closedPort, closedPort, closedPort),
            ["Sendora__AzureStorage__ProbeTimeout"] = "00:00:05",
        };

        await using var silo = SendoraProcess.Start("Sendora.Silo", environment);
        await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, silo.ExitCode);
        Assert.Contains($"127.0.0.1:{closedPort}", silo.Output);
        Assert.Contains("Cannot reach Azure table storage", silo.Output);
    }

    [Fact]
    public async Task GatewayWithUnreachableStorage_ExitsNamingTheEndpoint()
    {
        var closedPort = Ports.GetFree();
        var environment = new Dictionary<string, string>
        {
            ["Sendora__AzureStorage__ConnectionString"] = Azurite.ConnectionStringFor(closedPort, closedPort, closedPort),
            ["Sendora__AzureStorage__ProbeTimeout"] = "00:00:05",
            ["SENDORA_ADMIN_TOKEN"] = SendoraServer.AdminToken,
        };

        await using var gateway = SendoraProcess.Start(
            "Sendora.Gateway", environment, "--urls", $"http://127.0.0.1:{Ports.GetFree()}");
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, gateway.ExitCode);
        Assert.Contains($"127.0.0.1:{closedPort}", gateway.Output);
    }

    [Fact]
    public async Task StorageStoppedWhileRunning_AnswersServiceUnavailableWithRetryAfter()
    {
        var azurite = await Azurite.StartAsync();
        await using var server = await SendoraServer.StartAsync(connectionString: azurite.ConnectionString);
        var user = "outage-" + Guid.NewGuid().ToString("N");
        using (var before = await server.PostAsync("/v1/track", $$"""{"userId":"{{user}}","event":"Before"}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, before);
        }

        await azurite.DisposeAsync();
        using var response = await server.PostAsync("/v1/track", $$"""{"userId":"{{user}}","event":"During"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.ServiceUnavailable, response);
        Assert.NotNull(response.Headers.RetryAfter);
        var body = await JsonAssert.ReadAsync(response);
        Assert.Equal("storage_unavailable", body.GetProperty("code").GetString());
    }
}
