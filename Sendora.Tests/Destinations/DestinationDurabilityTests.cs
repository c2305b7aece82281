using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Destinations;

/// <summary>Kills the silo process while a destination's messages wait and checks that each acknowledged one arrives.</summary>
public sealed class DestinationDurabilityTests
{
    [Fact]
    public async Task SiloKilled_AcknowledgedMessagesStillArrive()
    {
        await using var receiver = await DestinationReceiver.StartAsync();
        await using var cluster = await SendoraCluster.StartAsync(new Dictionary<string, string>
        {
            ["Sendora__Destinations__MaxBatchAge"] = "00:00:00.050",
            ["Sendora__Destinations__InitialRetryDelay"] = "00:00:00.200",
            ["Sendora__Destinations__MaxRetryDelay"] = "00:00:00.500",
            ["Sendora__Audiences__CatalogRefreshInterval"] = "00:00:00.050",
        });
        var user = "crash-" + Guid.NewGuid().ToString("N");
        receiver.Unavailable[user] = true;

        using (var workspace = await cluster.SendAsAdminAsync(HttpMethod.Get, "/admin/v1/workspaces/default", null))
        {
            using var document = JsonDocument.Parse(await workspace.Content.ReadAsStringAsync());
            var sourceId = document.RootElement.GetProperty("sources")[0].GetProperty("id").GetString();
            var destination = $$"""
                {"id": "durable", "name": "Durable", "sourceIds": ["{{sourceId}}"], "url": "{{receiver.Url("durable")}}",
                 "signingSecret": "{{DestinationReceiver.Secret}}"}
                """;
            using var created = await cluster.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces/default/destinations", destination);
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        await Task.Delay(300);
        var acknowledged = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await cluster.Http.SendAsync(cluster.Track(user, $"crash-{i}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            acknowledged.Add($"crash-{i}");
        }

        // SIGKILL right after the last 200: the messages wait in the profile's outbox or the destination's queue.
        await cluster.Silo!.KillAsync();
        receiver.Unavailable.TryRemove(user, out _);
        cluster.StartSilo();
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));

        var received = await Poll.UntilAsync(
            () => Task.FromResult(receiver.AcceptedBy("durable")),
            messages => acknowledged.All(id => messages.Any(m => m.GetProperty("messageId").GetString() == id)),
            messages => "Received only: " + string.Join(", ", messages.Select(m => m.GetProperty("messageId").GetString()))
                + $"\nSilo:\n{cluster.Silo?.Output}",
            TimeSpan.FromMinutes(4));

        Assert.Empty(receiver.Errors);
        var order = received.Select(m => m.GetProperty("messageId").GetString()!).Distinct().ToList();
        Assert.Equal(acknowledged, order);
    }
}
