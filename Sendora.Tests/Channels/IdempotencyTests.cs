using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Sendora.Grains;
using Sendora.Grains.Channels;

namespace Sendora.Tests.Channels;

[Collection(ChannelsCollection.Name)]
public sealed class IdempotencyTests(ChannelsFixture fixture)
{
    [Fact]
    public async Task SendAsync_RepeatedFiveTimes_SendsOnce()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        var request = Requests.Email(profileId, address);
        var delivery = fixture.Delivery(request.DeliveryId);

        var records = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => delivery.SendAsync(request)));

        Assert.All(records, r => Assert.Equal(DeliveryStatuses.Sent, r.Status));
        Assert.Single(records.Select(r => r.SentAt).Distinct());
        Assert.Single(fixture.Smtp.To(address));
    }

    [Fact]
    public async Task SendAsync_SameIdNewContent_ReturnsFirst()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        var request = Requests.Email(profileId, address);
        var delivery = fixture.Delivery(request.DeliveryId);

        var first = await delivery.SendAsync(request);
        var second = await delivery.SendAsync(request with { Email = request.Email! with { Subject = "Other" } });

        Assert.Equal(first, second);
        Assert.Equal("Hello Ada", Assert.Single(fixture.Smtp.To(address)).Subject);
    }

    [Fact]
    public async Task SendAsync_DeliveryIdOtherThanKey_Throws()
    {
        var request = Requests.Email(Requests.NewId("p"), "a@example.test");

        await Assert.ThrowsAsync<ArgumentException>(() => fixture.Delivery("another-id").SendAsync(request));
    }

    [Fact]
    public async Task Activation_EmailFoundSending_BecomesOutcomeUnknown()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        var request = Requests.Email(profileId, address);
        await WriteSendingStateAsync(request);

        var record = await fixture.Delivery(request.DeliveryId).GetAsync();
        await Task.Delay(500);

        Assert.Equal(DeliveryStatuses.OutcomeUnknown, record!.Status);
        Assert.Empty(fixture.Smtp.To(address));
        var log = await fixture.Profile(profileId).GetLogAsync(0, 10);
        Assert.Equal(DeliveryStatuses.OutcomeUnknown, Assert.Single(log.Deliveries).Status);
    }

    [Fact]
    public async Task Activation_WebhookFoundSending_SendsAgain()
    {
        var name = Requests.NewId("resend");
        var request = Requests.Webhook(Requests.NewId("p"), fixture.Webhooks.Url("ok", name));
        await WriteSendingStateAsync(request);

        var record = await fixture.WaitUntilFinalAsync(fixture.Delivery(request.DeliveryId));

        Assert.Equal(DeliveryStatuses.Sent, record.Status);
        Assert.Equal(2, record.Attempts);
        var accepted = Assert.Single(fixture.Webhooks.Accepted, a => a.Name == name);
        Assert.Equal(request.DeliveryId, accepted.IdempotencyKey);
    }

    /// <summary>Stores a delivery as a silo that stopped mid-send leaves it, before any activation reads it.</summary>
    private async Task WriteSendingStateAsync(DeliveryRequest request)
    {
        var storage = fixture.Server.Services.GetRequiredKeyedService<IGrainStorage>(SendoraNames.GrainStorage);
        var now = fixture.Clock.GetUtcNow();
        var state = new DeliveryState
        {
            Request = request,
            FirstAttemptAt = now,
            Record = new DeliveryRecord
            {
                DeliveryId = request.DeliveryId,
                Channel = request.Channel,
                ProfileId = request.ProfileId,
                Status = DeliveryStatuses.Sending,
                Attempts = 1,
                QueuedAt = now,
                UpdatedAt = now,
            },
        };
        await storage.WriteStateAsync("delivery", fixture.Delivery(request.DeliveryId).GetGrainId(), new GrainState<DeliveryState>(state));
    }
}
