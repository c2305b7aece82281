using Sendora.Tests.Channels;

namespace Sendora.Tests.Journeys.Delivery;

/// <summary>Push steps of journeys, sent through the FCM stand-in to the tokens the profile's messages carried.</summary>
[Collection(JourneyDeliveryCollection.Name)]
public sealed class JourneyPushTests(JourneyDeliveryFixture fixture)
{
    [Fact]
    public async Task PushStep_OneTokenUnregistered_OtherReached()
    {
        var workspace = await fixture.CreateWorkspaceAsync();
        var token = "token-" + Guid.NewGuid().ToString("N");
        await workspace.CreateAndPublishAsync("shipping", """
            {"name": "Shipping", "trigger": {"event": "Order Shipped"},
             "steps": [{"id": "push", "type": "send_push", "title": "On its way, {{ traits.first_name }}",
                        "body": "Order {{ event.properties.order_id }} has shipped", "data": {"screen": "orders"}}]}
            """);

        await workspace.SendAsync("/v1/identify", $$"""
            {"userId": "ada", "traits": {"first_name": "Ada"},
             "context": {"device": {"type": "ios", "token": "{{token}}"} } }
            """);
        await workspace.SendAsync("/v1/track", $$"""
            {"userId": "ada", "event": "App Opened",
             "context": {"device": {"type": "android", "token": "{{FcmStandIn.UnregisteredToken}}"} } }
            """);
        await workspace.SendAsync("/v1/track", """{"userId": "ada", "event": "Order Shipped", "properties": {"order_id": "A-17"}}""");

        var delivery = await workspace.FinalDeliveryAsync("shipping", "push");
        var profileId = await workspace.ProfileIdAsync("ada");
        Assert.Equal("sent", delivery.GetProperty("status").GetString());
        Assert.Equal($"shipping:1:{profileId}:1:push", delivery.GetProperty("deliveryId").GetString());
        var unregistered = Assert.Single(delivery.GetProperty("unregisteredTokens").EnumerateArray());
        Assert.Equal("android.push_token", unregistered.GetProperty("type").GetString());
        Assert.Equal(FcmStandIn.UnregisteredToken, unregistered.GetProperty("token").GetString());

        Assert.Empty(fixture.Fcm.Errors);
        var message = Assert.Single(fixture.Fcm.Messages, m => m["token"]!.GetValue<string>() == token);
        Assert.Equal("On its way, Ada", message["notification"]!["title"]!.GetValue<string>());
        Assert.Equal("Order A-17 has shipped", message["notification"]!["body"]!.GetValue<string>());
        Assert.Equal("orders", message["data"]!["screen"]!.GetValue<string>());

        var ids = await workspace.GetAsync($"/v1/spaces/{workspace.Id}/collections/users/profiles/user_id:ada/external_ids?limit=100");
        var pairs = ids.GetProperty("data").EnumerateArray()
            .Select(id => (id.GetProperty("type").GetString(), id.GetProperty("id").GetString()))
            .ToList();
        Assert.Contains(("ios.push_token", token), pairs);
        Assert.DoesNotContain(("android.push_token", FcmStandIn.UnregisteredToken), pairs);
        Assert.Contains(("user_id", "ada"), pairs);
    }
}
