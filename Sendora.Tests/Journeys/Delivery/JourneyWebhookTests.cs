using System.Diagnostics;
using System.Text.Json;

namespace Sendora.Tests.Journeys.Delivery;

/// <summary>Webhook steps of journeys, posted to loopback receivers that check the signature.</summary>
[Collection(JourneyDeliveryCollection.Name)]
public sealed class JourneyWebhookTests(JourneyDeliveryFixture fixture)
{
    [Fact]
    public async Task WebhookStep_FailsThreeTimes_ArrivesOnceSigned()
    {
        var workspace = await fixture.CreateWorkspaceAsync();
        var name = "flaky-" + Guid.NewGuid().ToString("N");
        await workspace.CreateAndPublishAsync("notify", $$$"""
            {"name": "Notify", "trigger": {"event": "Order Completed"},
             "steps": [{"id": "hook", "type": "send_webhook", "url": "{{{fixture.Webhooks.Url("flaky", name)}}}",
                        "headers": {"X-Source": "journey"},
                        "body": "{\"profile\": \"{{ journey.profile_id }}\", \"order\": \"{{ event.properties.order_id }}\"}"}]}
            """);

        await workspace.SendAsync("/v1/track", """{"userId": "ada", "event": "Order Completed", "properties": {"order_id": "A-1"}}""");

        var delivery = await workspace.FinalDeliveryAsync("notify", "hook");
        var profileId = await workspace.ProfileIdAsync("ada");
        var deliveryId = $"notify:1:{profileId}:1:hook";
        Assert.Equal("sent", delivery.GetProperty("status").GetString());
        Assert.Equal(deliveryId, delivery.GetProperty("deliveryId").GetString());
        Assert.Equal(4, delivery.GetProperty("attempts").GetInt32());
        Assert.Equal(4, fixture.Webhooks.AttemptsOf(name));
        Assert.DoesNotContain(fixture.Webhooks.Errors, e => e.StartsWith(name, StringComparison.Ordinal));

        // Retries are at most a second apart here, so a repeat would arrive within this wait.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var accepted = Assert.Single(fixture.Webhooks.Accepted, a => a.IdempotencyKey == deliveryId);
        Assert.Equal(name, accepted.Name);
        using var body = JsonDocument.Parse(accepted.Body);
        Assert.Equal(profileId, body.RootElement.GetProperty("profile").GetString());
        Assert.Equal("A-1", body.RootElement.GetProperty("order").GetString());
    }

    [Fact]
    public async Task DeadEndpoint_OtherJourneys_NotDelayed()
    {
        var workspace = await fixture.CreateWorkspaceAsync();
        var dead = "dead-" + Guid.NewGuid().ToString("N");
        var sameEvent = "same-event-" + Guid.NewGuid().ToString("N");
        var nextEvent = "next-event-" + Guid.NewGuid().ToString("N");
        await workspace.CreateAndPublishAsync("stuck", Hook("Ping", fixture.Webhooks.Url("hang", dead)));
        await workspace.CreateAndPublishAsync("beside", Hook("Ping", fixture.Webhooks.Url("ok", sameEvent)));
        await workspace.CreateAndPublishAsync("after", Hook("Pong", fixture.Webhooks.Url("ok", nextEvent)));

        var sent = Stopwatch.StartNew();
        await workspace.SendAsync("/v1/track", """{"userId": "ada", "event": "Ping"}""");
        await workspace.SendAsync("/v1/track", """{"userId": "ada", "event": "Pong"}""");
        var besideAt = await ArrivalAsync(sameEvent, sent);
        var afterAt = await ArrivalAsync(nextEvent, sent);

        var limit = TimeSpan.FromSeconds(5);
        Assert.True(besideAt < limit, $"The webhook of the journey with the same trigger arrived after {besideAt}.");
        Assert.True(afterAt < limit, $"The webhook of the journey triggered by the next event arrived after {afterAt}.");

        // The dead endpoint keeps its request open until the webhook timeout, so it has not replied by now.
        Assert.Equal(1, fixture.Webhooks.AttemptsOf(dead));
        Assert.DoesNotContain(fixture.Webhooks.Accepted, a => a.Name == dead);
    }

    private static string Hook(string eventName, string url) => $$"""
        {"name": "Hook on {{eventName}}", "trigger": {"event": "{{eventName}}"},
         "steps": [{"id": "hook", "type": "send_webhook", "url": "{{url}}"}]}
        """;

    /// <summary>Waits for a receiver to accept a request and returns how long after <paramref name="since"/> started it came.</summary>
    private async Task<TimeSpan> ArrivalAsync(string name, Stopwatch since)
    {
        var deadline = JourneyDeliveryFixture.WebhookTimeout * 2;
        while (!fixture.Webhooks.Accepted.Any(a => a.Name == name))
        {
            if (since.Elapsed > deadline)
            {
                throw new TimeoutException($"No request reached webhook {name} within {deadline}.");
            }

            await Task.Delay(50);
        }

        return since.Elapsed;
    }
}
