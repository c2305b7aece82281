using Sendora.Grains.Channels;

namespace Sendora.Tests.Channels;

[Collection(ChannelsCollection.Name)]
public sealed class PushDeliveryTests(ChannelsFixture fixture)
{
    [Fact]
    public async Task Push_TwoTokens_SendsEachAndReportsUnregistered()
    {
        var token = Requests.NewId("token");
        var request = Requests.Push(Requests.NewId("p"), token, FcmStandIn.UnregisteredToken);

        var record = await fixture.Delivery(request.DeliveryId).SendAsync(request);

        Assert.Empty(fixture.Fcm.Errors);
        Assert.Equal(DeliveryStatuses.Sent, record.Status);
        Assert.StartsWith($"projects/{FcmStandIn.ProjectId}/messages/", record.ProviderMessageId);
        var unregistered = Assert.Single(record.UnregisteredTokens);
        Assert.Equal(new PushToken("ios.push_token", FcmStandIn.UnregisteredToken), unregistered);
        var message = Assert.Single(fixture.Fcm.Messages, m => m["token"]!.GetValue<string>() == token);
        Assert.Equal("Hi Ada", message["notification"]!["title"]!.GetValue<string>());
        Assert.Equal("Your total is 42", message["notification"]!["body"]!.GetValue<string>());
        Assert.Equal("orders", message["data"]!["screen"]!.GetValue<string>());
    }

    [Fact]
    public async Task Push_OnlyUnregisteredToken_Fails()
    {
        var request = Requests.Push(Requests.NewId("p"), FcmStandIn.UnregisteredToken);

        var record = await fixture.Delivery(request.DeliveryId).SendAsync(request);

        Assert.Equal(DeliveryStatuses.Failed, record.Status);
        Assert.Single(record.UnregisteredTokens);
        Assert.Empty(fixture.Fcm.Errors);
    }

    [Fact]
    public async Task Push_ManyDeliveries_ReuseOneAccessToken()
    {
        var before = fixture.Fcm.TokenRequests;
        foreach (var _ in Enumerable.Range(0, 3))
        {
            var request = Requests.Push(Requests.NewId("p"), Requests.NewId("token"));
            Assert.Equal(DeliveryStatuses.Sent, (await fixture.Delivery(request.DeliveryId).SendAsync(request)).Status);
        }

        Assert.True(fixture.Fcm.TokenRequests - before <= 1, $"{fixture.Fcm.TokenRequests - before} token requests.");
    }
}
