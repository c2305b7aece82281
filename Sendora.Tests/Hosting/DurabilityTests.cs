using System.Net;
using System.Text.Json;
using Sendora.Silo.Hosting;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Hosting;

/// <summary>Crashes the silo process while events arrive and checks that nothing acknowledged is lost.</summary>
public sealed class DurabilityTests
{
    // Only the silo dies here, so storage keeps running. RedisStorageTests also kills redis-server.
    [Theory]
    [InlineData(StorageKind.AzureStorage)]
    [InlineData(StorageKind.Redis)]
    public async Task SiloKilledAfterAcknowledgement_KeepsEveryAcknowledgedMessage(StorageKind storage)
    {
        await using var cluster = await SendoraCluster.StartAsync(storage: storage);
        var user = "durable-" + Guid.NewGuid().ToString("N");
        var acknowledged = new List<string>();
        var statuses = new List<HttpStatusCode>();

        for (var i = 0; i < 10; i++)
        {
            await SendAsync(cluster, user, $"before-{i}", acknowledged, statuses);
        }

        // SIGKILL right after the last 200: the silo gets no chance to flush anything.
        await cluster.Silo!.KillAsync();
        for (var i = 0; i < 3; i++)
        {
            await SendAsync(cluster, user, $"during-{i}", acknowledged, statuses);
        }

        cluster.StartSilo();
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        for (var i = 0; i < 10; i++)
        {
            await SendAsync(cluster, user, $"after-{i}", acknowledged, statuses);
        }

        Assert.DoesNotContain(statuses, s => s != HttpStatusCode.OK && s != HttpStatusCode.ServiceUnavailable);
        Assert.Contains("before-9", acknowledged);
        Assert.Contains("after-9", acknowledged);
        using var response = await cluster.Http.SendAsync(cluster.GetEvents(user));
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = (await JsonAssert.ReadAsync(response)).GetProperty("data").EnumerateArray()
            .Select(e => e.GetProperty("messageId").GetString())
            .ToHashSet();
        foreach (var messageId in acknowledged)
        {
            Assert.Contains(messageId, stored);
        }
    }

    [Fact]
    public async Task RepeatedBatchAfterRestart_IsAppliedOnce()
    {
        await using var cluster = await SendoraCluster.StartAsync();
        var user = "repeat-" + Guid.NewGuid().ToString("N");
        using (var first = await cluster.Http.SendAsync(cluster.Track(user, "only-once")))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, first);
        }

        await cluster.Silo!.KillAsync();
        cluster.StartSilo();
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));

        // Right after a restart the gateway may still return 503 with Retry-After, and SDKs send again.
        var status = HttpStatusCode.ServiceUnavailable;
        for (var attempt = 0; attempt < 20 && status == HttpStatusCode.ServiceUnavailable; attempt++)
        {
            if (attempt > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            using var again = await cluster.Http.SendAsync(cluster.Track(user, "only-once"));
            status = again.StatusCode;
        }

        Assert.Equal(HttpStatusCode.OK, status);

        using var response = await cluster.Http.SendAsync(cluster.GetEvents(user));
        var events = (await JsonAssert.ReadAsync(response)).GetProperty("data");
        Assert.Equal(1, events.GetArrayLength());
    }

    private static async Task SendAsync(
        SendoraCluster cluster, string user, string messageId, List<string> acknowledged, List<HttpStatusCode> statuses)
    {
        try
        {
            using var response = await cluster.Http.SendAsync(cluster.Track(user, messageId));
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                acknowledged.Add(messageId);
            }
            else
            {
                Assert.True(response.Headers.RetryAfter is not null, $"{(int)response.StatusCode} without Retry-After");
            }
        }
        catch (HttpRequestException)
        {
            // A connection cut while the silo dies is not an acknowledgement; the client would retry.
        }
    }
}
