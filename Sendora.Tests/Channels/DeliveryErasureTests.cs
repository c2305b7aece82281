using Sendora.Grains;
using Sendora.Grains.Channels;

namespace Sendora.Tests.Channels;

/// <summary>The erasure of one delivery grain, as a regulation that deletes its profile runs it.</summary>
[Collection(ChannelsCollection.Name)]
public sealed class DeliveryErasureTests(ChannelsFixture fixture)
{
    [Fact]
    public async Task Erase_SentEmail_KeepsStatusDropsContent()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        var request = Requests.Email(profileId, address, subject: "Hello {{ traits.first_name }} from Lisbon");
        var delivery = fixture.Delivery(request.DeliveryId);
        var sent = await delivery.SendAsync(request);
        var stepLog = fixture.Grains.GetGrain<IStepDeliveryLogGrain>(GrainKeys.Scoped("default", "welcome/step-email"));
        var countsBefore = (await stepLog.GetLogAsync(0, 1)).Counts;
        var before = (await delivery.InspectAsync(100)).StateJson;

        await delivery.EraseAsync();
        var erased = await delivery.GetAsync();
        var after = (await delivery.InspectAsync(100)).StateJson;
        await delivery.EraseAsync();
        var again = await delivery.GetAsync();
        var log = await stepLog.GetLogAsync(0, 500);

        Assert.Equal(DeliveryStatuses.Sent, sent.Status);
        Assert.Contains(address, before, StringComparison.Ordinal);
        Assert.Equal(DeliveryStatuses.Sent, erased!.Status);
        Assert.Equal(sent.SentAt, erased.SentAt);
        Assert.Equal(sent.Attempts, erased.Attempts);
        Assert.Null(erased.ProviderMessageId);
        Assert.DoesNotContain(address, after, StringComparison.Ordinal);
        Assert.DoesNotContain("Lisbon", after, StringComparison.Ordinal);
        Assert.DoesNotContain("Ada", after, StringComparison.Ordinal);
        Assert.Equal(erased.UpdatedAt, again!.UpdatedAt);
        var entry = Assert.Single(log.Deliveries, e => e.DeliveryId == request.DeliveryId);
        Assert.Equal(erased.UpdatedAt, entry.UpdatedAt);
        Assert.Equal(countsBefore[DeliveryStatuses.Sent], log.Counts[DeliveryStatuses.Sent]);
    }

    [Fact]
    public async Task Erase_QueuedEmail_NotSentWhenDue()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        var request = Requests.Email(profileId, address, timezone: "Asia/Tokyo");
        var delivery = fixture.Delivery(request.DeliveryId, "quiet");

        // Noon UTC is 21:00 in Tokyo, so quiet hours hold the email. Other tests move the clock, and it only moves forward.
        fixture.Clock.AdvanceToNextDay("12:00:00.000");
        var now = fixture.Clock.GetUtcNow();
        var queued = await delivery.SendAsync(request);
        await delivery.EraseAsync();
        fixture.Clock.Advance(queued.NextAttemptAt!.Value - now + TimeSpan.FromMinutes(1));
        var resumed = await delivery.ResumeAsync();
        var repeated = await delivery.SendAsync(request);
        var stepLog = await fixture.Grains
            .GetGrain<IStepDeliveryLogGrain>(GrainKeys.Scoped("quiet", "welcome/step-email")).GetLogAsync(0, 500);

        Assert.Equal(DeliveryStatuses.Queued, queued.Status);
        Assert.Equal(DeliveryStatuses.Suppressed, resumed!.Status);
        Assert.Equal(DeliveryGrain.ErasedBeforeSendingReason, resumed.Reason);
        Assert.Null(resumed.NextAttemptAt);
        Assert.Equal(0, resumed.Attempts);
        Assert.Equal(DeliveryStatuses.Suppressed, repeated.Status);
        Assert.Equal(0, fixture.Smtp.TransactionsTo(address));
        var entry = Assert.Single(stepLog.Deliveries, e => e.DeliveryId == request.DeliveryId);
        Assert.Equal(DeliveryStatuses.Suppressed, entry.Status);
    }

    [Fact]
    public async Task Erase_Push_DropsTokens()
    {
        var token = Requests.NewId("token");
        var request = Requests.Push(Requests.NewId("p"), token, FcmStandIn.UnregisteredToken);
        var delivery = fixture.Delivery(request.DeliveryId);
        var sent = await delivery.SendAsync(request);
        var before = (await delivery.InspectAsync(100)).StateJson;

        await delivery.EraseAsync();
        var erased = await delivery.GetAsync();
        var after = (await delivery.InspectAsync(100)).StateJson;

        Assert.Equal(DeliveryStatuses.Sent, sent.Status);
        Assert.Contains(token, before, StringComparison.Ordinal);
        Assert.Equal(DeliveryStatuses.Sent, erased!.Status);
        Assert.Empty(erased.UnregisteredTokens);
        Assert.DoesNotContain(token, after, StringComparison.Ordinal);
        Assert.DoesNotContain(FcmStandIn.UnregisteredToken, after, StringComparison.Ordinal);
        Assert.DoesNotContain("orders", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Erase_Webhook_DropsUrlAndHeaders()
    {
        var name = Requests.NewId("throttle");
        var request = Requests.Webhook(Requests.NewId("p"), fixture.Webhooks.Url("throttle", name));
        var delivery = fixture.Delivery(request.DeliveryId);

        // The receiver replies 429 with Retry-After: 1 to the first request, so the webhook waits a second for its retry.
        var first = await delivery.SendAsync(request);
        await delivery.EraseAsync();
        var erased = await delivery.GetAsync();
        await Task.Delay(TimeSpan.FromSeconds(2));
        var later = await delivery.GetAsync();
        var after = (await delivery.InspectAsync(100)).StateJson;

        Assert.Equal(DeliveryStatuses.Retrying, first.Status);
        Assert.Equal(DeliveryStatuses.Suppressed, erased!.Status);
        Assert.Equal(erased.Attempts, later!.Attempts);
        Assert.Equal(DeliveryStatuses.Suppressed, later.Status);
        Assert.DoesNotContain(fixture.Webhooks.Accepted, accepted => accepted.Name == name);
        Assert.DoesNotContain(name, after, StringComparison.Ordinal);
        Assert.DoesNotContain("X-Test", after, StringComparison.Ordinal);
        Assert.DoesNotContain("@example.test", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Erase_UnknownDelivery_StoresNothing()
    {
        var delivery = fixture.Delivery(Requests.NewId("email"));

        await delivery.EraseAsync();

        Assert.Null(await delivery.GetAsync());
        Assert.False((await delivery.InspectAsync(100)).RecordExists);
    }
}
