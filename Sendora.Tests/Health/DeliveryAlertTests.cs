using System.Net;
using System.Text.Json;
using Sendora.Grains;
using Sendora.Grains.Channels;
using Sendora.Tests.Channels;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Health;

[Collection(HealthCollection.Name)]
public sealed class DeliveryAlertTests(HealthFixture fixture)
{
    [Fact]
    public async Task DeliveryAlert_MostWebhooksFail_OpensThenResolves()
    {
        var workspaceId = "dlv-" + Guid.NewGuid().ToString("N")[..10];
        await fixture.CreateWorkspaceAsync(workspaceId);

        // 19 deliveries are below the minimum volume of 20, and the 20th brings the rate of 3/20 under the threshold.
        await SendWebhooksAsync(workspaceId, "ok", 3);
        await SendWebhooksAsync(workspaceId, "reject", 16);
        Assert.Empty(await fixture.GetAlertsAsync(workspaceId));
        await SendWebhooksAsync(workspaceId, "reject", 1);

        var opened = await fixture.WaitForAlertAsync(workspaceId, a => a.GetProperty("resolvedAt").ValueKind == JsonValueKind.Null);
        Assert.Equal("delivery_success", opened.GetProperty("kind").GetString());
        Assert.Equal(DeliveryChannels.Webhook, opened.GetProperty("subject").GetString());
        Assert.Equal(3.0 / 20, opened.GetProperty("observed").GetDouble(), 6);
        Assert.Equal(0.9, opened.GetProperty("expected").GetDouble());
        var openedPost = await fixture.WaitForAlertPostAsync(workspaceId, "alert.opened");
        Assert.Equal(opened.GetProperty("id").GetString(), openedPost.GetProperty("alert").GetProperty("id").GetString());

        var health = await GetChannelHealthAsync(workspaceId);
        Assert.Equal(3, health.GetProperty("sent").GetInt64());
        Assert.Equal(17, health.GetProperty("failed").GetInt64());
        Assert.True(health.GetProperty("alert").GetProperty("open").GetBoolean());

        // Further failures keep the one open alert.
        await SendWebhooksAsync(workspaceId, "reject", 2);
        Assert.Single(await fixture.GetAlertsAsync(workspaceId));

        // Once the failures are more than an hour old, none are left in the window and the alert resolves.
        fixture.Clock.Advance(TimeSpan.FromMinutes(61));
        var resolved = await fixture.WaitForAlertAsync(workspaceId, a => a.GetProperty("resolvedAt").ValueKind == JsonValueKind.String);
        Assert.Equal(opened.GetProperty("id").GetString(), resolved.GetProperty("id").GetString());
        await fixture.WaitForAlertPostAsync(workspaceId, "alert.resolved");
        Assert.Equal(["alert.opened", "alert.resolved"], fixture.AlertPostsOf(workspaceId).Select(p => p.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task DeliveryAlert_Suppressed_NotFailures()
    {
        var workspaceId = "sup-" + Guid.NewGuid().ToString("N")[..10];
        await fixture.CreateWorkspaceAsync(workspaceId);
        var profileId = Requests.NewId("p");
        await fixture.Grains.GetGrain<IProfileDeliveryGrain>(GrainKeys.Scoped(workspaceId, profileId))
            .SetSubscriptionAsync(DeliveryChannels.Email, false, "test");

        for (var i = 0; i < 25; i++)
        {
            var request = Requests.Email(profileId, "ada@example.test");
            var record = await fixture.Grains.GetGrain<IDeliveryGrain>(GrainKeys.Scoped(workspaceId, request.DeliveryId)).SendAsync(request);
            Assert.Equal(DeliveryStatuses.Suppressed, record.Status);
        }

        var health = await WaitForChannelHealthAsync(workspaceId, DeliveryChannels.Email, h => h.GetProperty("notAttempted").GetInt64() == 25);
        Assert.Equal(0, health.GetProperty("failed").GetInt64());
        Assert.Equal(JsonValueKind.Null, health.GetProperty("successRate").ValueKind);
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.Empty(await fixture.GetAlertsAsync(workspaceId));
    }

    private async Task SendWebhooksAsync(string workspaceId, string behaviour, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var request = Requests.Webhook(Requests.NewId("p"), fixture.Webhooks.Url(behaviour, Requests.NewId(workspaceId)));
            var record = await fixture.Grains.GetGrain<IDeliveryGrain>(GrainKeys.Scoped(workspaceId, request.DeliveryId)).SendAsync(request);
            Assert.Equal(behaviour == "ok" ? DeliveryStatuses.Sent : DeliveryStatuses.Failed, record.Status);
        }
    }

    private async Task<JsonElement> GetChannelHealthAsync(string workspaceId, string channel = DeliveryChannels.Webhook)
    {
        using var response = await fixture.Server.GetAsAdminAsync($"/admin/v1/workspaces/{workspaceId}/channels/{channel}/health");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }

    private async Task<JsonElement> WaitForChannelHealthAsync(string workspaceId, string channel, Func<JsonElement, bool> match)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        var health = await GetChannelHealthAsync(workspaceId, channel);
        while (!match(health) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
            health = await GetChannelHealthAsync(workspaceId, channel);
        }

        return health;
    }
}
