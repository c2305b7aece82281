using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Observability;

/// <summary>/healthz and /readyz while storage stops and comes back.</summary>
public sealed class ReadinessTests
{
    [Fact]
    public async Task Readyz_WhileStorageStopped_IsUnavailableUntilRestart()
    {
        var data = Directory.CreateTempSubdirectory("sendora-azurite-");
        var azurite = await Azurite.StartAsync(data.FullName);
        try
        {
            await using var server = await SendoraServer.StartAsync(
                new Dictionary<string, string?> { ["Sendora:Health:CheckTimeout"] = "00:00:01" },
                connectionString: azurite.ConnectionString);

            var ready = await GetAsync(server, "/readyz");
            Assert.Equal(HttpStatusCode.OK, ready.Status);
            Assert.Equal("Healthy", Check(ready.Body, "storage").GetProperty("status").GetString());
            Assert.Equal("Healthy", Check(ready.Body, "cluster").GetProperty("status").GetString());

            await azurite.StopAsync();
            var stopped = await GetAsync(server, "/readyz");
            var live = await GetAsync(server, "/healthz");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, stopped.Status);
            Assert.Equal("Unhealthy", stopped.Body.GetProperty("status").GetString());
            var storage = Check(stopped.Body, "storage");
            Assert.Equal("Unhealthy", storage.GetProperty("status").GetString());
            Assert.Contains("storage", storage.GetProperty("description").GetString());
            Assert.True(storage.GetProperty("durationMs").GetDouble() >= 0);
            Assert.Equal(HttpStatusCode.OK, live.Status);

            await azurite.RestartAsync();
            var restarted = await WaitForStatusAsync(server, HttpStatusCode.OK, TimeSpan.FromSeconds(30));

            Assert.Equal(HttpStatusCode.OK, restarted.Status);
            Assert.Equal("Healthy", Check(restarted.Body, "storage").GetProperty("status").GetString());
        }
        finally
        {
            await azurite.DisposeAsync();
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Healthz_RunsNoCheck()
    {
        await using var server = await SendoraServer.StartAsync();

        var live = await GetAsync(server, "/healthz");

        Assert.Equal(HttpStatusCode.OK, live.Status);
        Assert.Equal("Healthy", live.Body.GetProperty("status").GetString());
        Assert.Equal(0, live.Body.GetProperty("checks").GetArrayLength());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(SendoraServer server, string path)
    {
        using var response = await server.Http.GetAsync(path);
        return (response.StatusCode, await JsonAssert.ReadAsync(response));
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> WaitForStatusAsync(
        SendoraServer server, HttpStatusCode expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var result = await GetAsync(server, "/readyz");
            if (result.Status == expected || DateTime.UtcNow > deadline)
            {
                return result;
            }

            await Task.Delay(250);
        }
    }

    private static JsonElement Check(JsonElement body, string name) =>
        body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
}
