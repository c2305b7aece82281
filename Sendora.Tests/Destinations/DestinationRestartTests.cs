using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Destinations;

/// <summary>
/// Stops a server cleanly after its destination delivered a batch and starts it again on the same storage. The
/// profile's saved outbox still contains the batch, so the destination sends it again.
/// </summary>
public sealed class DestinationRestartTests
{
    private const string Name = "restarted";

    [Fact]
    public async Task CleanRestart_BatchSentAgain_CountedOnce()
    {
        await using var receiver = await DestinationReceiver.StartAsync();
        var run = "dest-restart-" + Guid.NewGuid().ToString("N")[..12];
        var settings = new Dictionary<string, string?>
        {
            ["Sendora:Cluster:ClusterId"] = run,
            ["Sendora:Cluster:ServiceId"] = run,
            ["Sendora:Destinations:MaxBatchAge"] = "00:00:00.050",
        };
        var user = "restart-" + Guid.NewGuid().ToString("N")[..12];

        await using (var first = await SendoraServer.StartAsync(settings))
        {
            await CreateDestinationAsync(first, receiver);
            using var sent = await first.PostAsync("/v1/batch", $$"""
                {"batch": [
                  {{DestinationsFixture.Track(user, user + "-1", "Step", "2026-12-04T10:00:00.000Z")}},
                  {{DestinationsFixture.Track(user, user + "-2", "Step", "2026-12-04T10:01:00.000Z")}}
                ]}
                """);
            await JsonAssert.StatusAsync(HttpStatusCode.OK, sent);
            var counts = await WaitForSettledAsync(first, receiver, 2);
            Assert.Equal(2, counts.GetProperty("delivered").GetInt64());
        }

        await using var second = await SendoraServer.StartAsync(settings);

        // Activating the profile sends its saved outbox again.
        using (var traits = await second.GetAsAdminAsync(SendoraServer.ProfilePath($"user_id:{user}", "traits")))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, traits);
        }

        var again = await WaitForSettledAsync(second, receiver, 4);
        var keys = receiver.KeysAcceptedBy(Name);

        Assert.Empty(receiver.Errors);
        Assert.Equal(2, keys.Count);
        Assert.Equal(keys[0], keys[1]);
        Assert.Equal(4, receiver.AcceptedBy(Name).Count);
        Assert.Equal(2, again.GetProperty("delivered").GetInt64());
    }

    private static async Task CreateDestinationAsync(SendoraServer server, DestinationReceiver receiver)
    {
        using var workspace = await server.GetAsAdminAsync("/admin/v1/workspaces/default");
        var sourceId = (await JsonAssert.ReadAsync(workspace)).GetProperty("sources")[0].GetProperty("id").GetString();
        var destination = $$"""
            {"id": "{{Name}}", "name": "Restarted", "sourceIds": ["{{sourceId}}"], "url": "{{receiver.Url(Name)}}",
             "signingSecret": "{{DestinationReceiver.Secret}}"}
            """;
        using var created = await server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces/default/destinations", destination);
        await JsonAssert.StatusAsync(HttpStatusCode.Created, created);

        // The silo serves the catalog from memory for 50 ms in tests.
        await Task.Delay(300);
    }

    /// <summary>
    /// Waits until <paramref name="receiver"/> accepted <paramref name="received"/> messages and the destination has no
    /// queued or retrying message, and returns the destination's counts.
    /// </summary>
    private static async Task<JsonElement> WaitForSettledAsync(SendoraServer server, DestinationReceiver receiver, int received)
    {
        var body = await Poll.UntilAsync(
            async () =>
            {
                using var response = await server.GetAsAdminAsync($"/admin/v1/workspaces/default/destinations/{Name}");
                await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
                return await JsonAssert.ReadAsync(response);
            },
            view => receiver.AcceptedBy(Name).Count >= received
                && view.GetProperty("counts") is var counts
                && counts.GetProperty("queued").GetInt64() == 0 && counts.GetProperty("retrying").GetInt64() == 0,
            view => $"The receiver accepted {receiver.AcceptedBy(Name).Count} of {received} messages, and the destination "
                + $"reads {view}; receiver errors: {string.Join(" ", receiver.Errors)}",
            TimeSpan.FromSeconds(60));
        return body.GetProperty("counts");
    }
}
