using System.Net;
using Microsoft.Extensions.Configuration;
using Sendora.Silo.Hosting;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Hosting;

/// <summary>A silo process and a client-only gateway process on <c>Sendora:Storage=Redis</c>, and its settings.</summary>
public sealed class RedisStorageTests
{
    [Fact]
    public async Task ClientGatewayOnRedis_TracksEventEndToEnd()
    {
        await using var cluster = await SendoraCluster.StartAsync(storage: StorageKind.Redis);
        var user = "redis-" + Guid.NewGuid().ToString("N");

        using (var track = await cluster.Http.SendAsync(cluster.Track(user, "redis-1")))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, track);
        }

        using var events = await cluster.Http.SendAsync(cluster.GetEvents(user));
        await JsonAssert.StatusAsync(HttpStatusCode.OK, events);
        var stored = (await JsonAssert.ReadAsync(events)).GetProperty("data");
        Assert.Equal(1, stored.GetArrayLength());
        Assert.Equal("redis-1", stored[0].GetProperty("messageId").GetString());
        Assert.Equal("Order Completed", stored[0].GetProperty("event").GetString());
    }

    [Fact]
    public async Task SiloAndRedisKilled_KeepAcknowledgedEventsInProfile()
    {
        await using var cluster = await SendoraCluster.StartAsync(storage: StorageKind.Redis);
        var redis = (RedisServer)cluster.Storage;
        var user = "aof-" + Guid.NewGuid().ToString("N");
        var acknowledged = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            using var track = await cluster.Http.SendAsync(cluster.Track(user, $"before-{i}"));
            await JsonAssert.StatusAsync(HttpStatusCode.OK, track);
            acknowledged.Add($"before-{i}");
        }

        // SIGKILL to both right after the last 200: Redis memory is gone, and only its append-only file remains.
        await cluster.Silo!.KillAsync();
        await redis.KillAsync();
        await redis.RestartAsync();
        cluster.StartSilo();
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));

        var stored = (await ReadMessageIdsAsync(cluster, user)).ToHashSet();
        foreach (var messageId in acknowledged)
        {
            Assert.Contains(messageId, stored);
        }

        Assert.Equal(acknowledged.Count, stored.Count);
    }

    [Fact]
    public async Task StorageConnections_Changed_KeepsEveryProfile()
    {
        var settings = new Dictionary<string, string> { ["Sendora__Redis__StorageConnections"] = "3" };
        await using var cluster = await SendoraCluster.StartAsync(settings, StorageKind.Redis);
        var users = Enumerable.Range(0, 12).Select(i => $"spread-{i}-{Guid.NewGuid():N}").ToList();
        foreach (var user in users)
        {
            using var track = await cluster.Http.SendAsync(cluster.Track(user, "before"));
            await JsonAssert.StatusAsync(HttpStatusCode.OK, track);
        }

        // Grains spread over three connections are read back through one, because the keys do not depend on them.
        await cluster.Silo!.KillAsync();
        cluster.StartSilo(new Dictionary<string, string> { ["Sendora__Redis__StorageConnections"] = "1" });
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));

        foreach (var user in users)
        {
            Assert.Equal(["before"], await ReadMessageIdsAsync(cluster, user));
        }
    }

    // A read soon after a restart can still get 503 while the new silo starts up, so it is sent again, as clients do.
    private static async Task<List<string?>> ReadMessageIdsAsync(SendoraCluster cluster, string user)
    {
        var events = await cluster.Http.SendAsync(cluster.GetEvents(user));
        for (var attempt = 1; events.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 6; attempt++)
        {
            events.Dispose();
            await Task.Delay(TimeSpan.FromSeconds(1));
            events = await cluster.Http.SendAsync(cluster.GetEvents(user));
        }

        using var read = events;
        await JsonAssert.StatusAsync(HttpStatusCode.OK, read);
        return [.. (await JsonAssert.ReadAsync(read)).GetProperty("data").EnumerateArray()
            .Select(e => e.GetProperty("messageId").GetString())];
    }

    [Fact]
    public async Task ReadyzOnRedis_ReportsRedisResponded()
    {
        await using var cluster = await SendoraCluster.StartAsync(storage: StorageKind.Redis);

        using var response = await cluster.Http.GetAsync("/readyz");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var checks = (await JsonAssert.ReadAsync(response)).GetProperty("checks").EnumerateArray().ToList();
        var storage = Assert.Single(checks, check => check.GetProperty("name").GetString() == "storage");
        Assert.Equal("Healthy", storage.GetProperty("status").GetString());
        Assert.Equal("Redis responded.", storage.GetProperty("description").GetString());
    }

    [Fact]
    public async Task ReadyzWhileRedisDown_IsUnavailableUntilRestart()
    {
        await using var cluster = await SendoraCluster.StartAsync(storage: StorageKind.Redis);
        var redis = (RedisServer)cluster.Storage;

        await redis.KillAsync();
        using (var response = await cluster.Http.GetAsync("/readyz"))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.ServiceUnavailable, response);
            var checks = (await JsonAssert.ReadAsync(response)).GetProperty("checks").EnumerateArray().ToList();
            var storage = Assert.Single(checks, check => check.GetProperty("name").GetString() == "storage");
            Assert.Equal("Unhealthy", storage.GetProperty("status").GetString());
            Assert.StartsWith($"Cannot reach Redis at {redis.ConnectionString}", storage.GetProperty("description").GetString());
        }

        await redis.RestartAsync();
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
    }

    [Fact]
    public async Task SiloWithUnreachableRedis_ExitsNamingTheSetting()
    {
        var closedPort = Ports.GetFree();
        var environment = new Dictionary<string, string>
        {
            ["Sendora__Storage"] = "Redis",
            ["Sendora__Redis__ConnectionString"] = $"127.0.0.1:{closedPort},password=secret-password",
        };

        // The default probe timeout of 10 s outlasts the client's own connect timeout of 5 s.
        await using var silo = SendoraProcess.Start("Sendora.Silo", environment);
        await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(1, silo.ExitCode);
        Assert.Contains($"Cannot reach Redis at 127.0.0.1:{closedPort}", silo.Output);
        Assert.Contains("Sendora:Redis:ConnectionString", silo.Output);
        Assert.DoesNotContain("secret-password", silo.Output);

        // The client's message lists its thread pool counters, among much else.
        Assert.DoesNotContain("IOCP", silo.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GatewayWithUnreachableRedis_ExitsNamingTheEndpoint()
    {
        var closedPort = Ports.GetFree();
        var environment = new Dictionary<string, string>
        {
            ["Sendora__Storage"] = "Redis",
            ["Sendora__Redis__ConnectionString"] = $"127.0.0.1:{closedPort}",
            ["Sendora__Redis__ProbeTimeout"] = "00:00:05",
            ["SENDORA_ADMIN_TOKEN"] = SendoraServer.AdminToken,
        };

        await using var gateway = SendoraProcess.Start(
            "Sendora.Gateway", environment, "--urls", $"http://127.0.0.1:{Ports.GetFree()}");
        await gateway.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, gateway.ExitCode);
        Assert.Contains($"Cannot reach Redis at 127.0.0.1:{closedPort}", gateway.Output);
    }

    [Theory]
    [InlineData("", "Sendora:Redis:ConnectionString is missing")]
    [InlineData("127.0.0.1:6379,notAnOption=1", "Sendora:Redis:ConnectionString is invalid")]
    [InlineData("password=only", "Sendora:Redis:ConnectionString names no host")]
    public void Validate_BadConnectionString_NamesTheKey(string connectionString, string expected)
    {
        var failure = Assert.Single(RedisConnection.Validate(new RedisSettings { ConnectionString = connectionString }));

        Assert.StartsWith(expected, failure);
    }

    [Fact]
    public void Validate_ZeroProbeTimeout_NamesTheKey()
    {
        var failure = Assert.Single(RedisConnection.Validate(new RedisSettings { ProbeTimeout = TimeSpan.Zero }));

        Assert.StartsWith("Sendora:Redis:ProbeTimeout", failure);
    }

    [Fact]
    public void ReadHostOptions_UnknownStreams_NamesTheChoices()
    {
        var configuration = Configuration(new() { ["Sendora:Storage"] = "Redis", ["Sendora:Redis:Streams"] = "Kafka" });

        var exception = Assert.Throws<InvalidOperationException>(() => SiloHostingExtensions.ReadHostOptions(configuration));

        Assert.Contains("Sendora:Redis:Streams must be one of: Memory, AzureQueue", exception.Message);
    }

    [Fact]
    public void ReadHostOptions_AzureQueueStreams_ValidatesAzureStorage()
    {
        var configuration = Configuration(new()
        {
            ["Sendora:Storage"] = "Redis",
            ["Sendora:Redis:Streams"] = "AzureQueue",
            ["Sendora:AzureStorage:TableServiceUri"] = "https://account.table.core.windows.net",
        });

        var exception = Assert.Throws<InvalidOperationException>(() => SiloHostingExtensions.ReadHostOptions(configuration));

        Assert.Contains("Sendora:AzureStorage:QueueServiceUri is missing", exception.Message);
    }

    [Fact]
    public void ReadHostOptions_RedisDefaults_UseMemoryStreamsOnLocalRedis()
    {
        var options = SiloHostingExtensions.ReadHostOptions(Configuration(new() { ["Sendora:Storage"] = "Redis" }));

        Assert.Equal(StorageKind.Redis, options.Storage);
        Assert.Equal("127.0.0.1:6379", options.Redis.ConnectionString);
        Assert.Equal(RedisStreamKind.Memory, options.Redis.Streams);
        Assert.False(options.UsesAzureStorage);
    }

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
