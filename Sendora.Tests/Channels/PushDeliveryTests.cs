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

    [Theory]
    [InlineData(FcmStandIn.BusyPrefix, 3)]
    [InlineData(FcmStandIn.QuotaPrefix, 2)]
    public async Task Push_FcmThrottles_WaitsRetryAfter(string prefix, int attempts)
    {
        var token = Requests.NewId(prefix);
        var request = Requests.Push(Requests.NewId("p"), token);

        var first = await fixture.Delivery(request.DeliveryId).SendAsync(request);
        var final = await fixture.WaitUntilFinalAsync(fixture.Delivery(request.DeliveryId));

        Assert.Equal(DeliveryStatuses.Retrying, first.Status);
        Assert.Contains("FCM replied", first.Reason);
        Assert.True(first.NextAttemptAt >= fixture.Clock.GetUtcNow() + TimeSpan.FromSeconds(1),
            $"The retry was due at {first.NextAttemptAt:O}, before the Retry-After of 1 second.");
        Assert.Equal(DeliveryStatuses.Sent, final.Status);
        Assert.Equal(attempts, final.Attempts);
        Assert.Equal(attempts, fixture.Fcm.SendsTo(token));
        Assert.Single(fixture.Fcm.Messages, m => m["token"]!.GetValue<string>() == token);
    }

    [Fact]
    public async Task Push_InvalidArgument_FailsWithoutRetry()
    {
        var token = Requests.NewId(FcmStandIn.InvalidPrefix);
        var request = Requests.Push(Requests.NewId("p"), token);

        var record = await fixture.Delivery(request.DeliveryId).SendAsync(request);

        Assert.Equal(DeliveryStatuses.Failed, record.Status);
        Assert.Contains("400", record.Reason);
        Assert.Equal(1, record.Attempts);
        Assert.Equal(1, fixture.Fcm.SendsTo(token));
    }
}
