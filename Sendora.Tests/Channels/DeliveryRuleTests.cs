using Sendora.Grains.Channels;

namespace Sendora.Tests.Channels;

/// <summary>Quiet hours and frequency caps, with the silo's clock set by the test.</summary>
[Collection(ChannelsCollection.Name)]
public sealed class DeliveryRuleTests(ChannelsFixture fixture)
{
    [Fact]
    public async Task QuietHours_ProfileAtNight_QueuedUntilMorning()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        var request = Requests.Email(profileId, address, timezone: "Asia/Tokyo");
        var delivery = fixture.Delivery(request.DeliveryId, "quiet");

        // Noon UTC is 21:00 in Tokyo. Other tests move the clock, and it only moves forward.
        fixture.Clock.AdvanceToNextDay("12:00:00.000");
        var now = fixture.Clock.GetUtcNow();

        var queued = await delivery.SendAsync(request);
        var early = await delivery.ResumeAsync();
        fixture.Clock.Advance(queued.NextAttemptAt!.Value - now);
        var resumed = await delivery.ResumeAsync();

        Assert.Equal(DeliveryStatuses.Queued, queued.Status);
        Assert.Contains("Quiet hours", queued.Reason);
        Assert.Equal(8, TimeZoneInfo.ConvertTime(queued.NextAttemptAt.Value, TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo")).Hour);
        Assert.Equal(DeliveryStatuses.Queued, early!.Status);
        Assert.Equal(DeliveryStatuses.Sent, resumed!.Status);
        Assert.Single(fixture.Smtp.To(address));
    }

    [Fact]
    public async Task QuietHours_Transactional_SentAtOnce()
    {
        var profileId = Requests.NewId("p");
        var request = Requests.Email(profileId, $"{profileId}@example.test", transactional: true, timezone: "Asia/Tokyo");
        fixture.Clock.AdvanceToNextDay("12:00:00.000");

        var record = await fixture.Delivery(request.DeliveryId, "quiet").SendAsync(request);

        Assert.Equal(DeliveryStatuses.Sent, record.Status);
    }

    [Fact]
    public async Task FrequencyCap_ThirdEmailInDay_Capped()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        var records = new List<DeliveryRecord>();
        foreach (var _ in Enumerable.Range(0, 3))
        {
            var request = Requests.Email(profileId, address);
            records.Add(await fixture.Delivery(request.DeliveryId, "capped").SendAsync(request));
        }

        var transactional = Requests.Email(profileId, address, transactional: true);
        var receipt = await fixture.Delivery(transactional.DeliveryId, "capped").SendAsync(transactional);
        fixture.Clock.Advance(TimeSpan.FromDays(1));
        var nextDay = Requests.Email(profileId, address);
        var afterWindow = await fixture.Delivery(nextDay.DeliveryId, "capped").SendAsync(nextDay);

        Assert.Equal(DeliveryStatuses.Sent, records[0].Status);
        Assert.Equal(DeliveryStatuses.Sent, records[1].Status);
        Assert.Equal(DeliveryStatuses.Capped, records[2].Status);
        Assert.Contains("the cap is 2", records[2].Reason);
        Assert.Equal(DeliveryStatuses.Sent, receipt.Status);
        Assert.Equal(DeliveryStatuses.Sent, afterWindow.Status);
        Assert.Equal(4, fixture.Smtp.To(address).Count);
    }

    [Fact]
    public async Task DeliveryLogs_TwoDeliveries_NewestFirstWithCounts()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        var journeyId = Requests.NewId("journey");
        var first = Requests.Email(profileId, address) with { JourneyId = journeyId };
        var second = Requests.Email(profileId, address, subject: "{{ broken") with { JourneyId = journeyId };

        await fixture.Delivery(first.DeliveryId).SendAsync(first);
        await fixture.Delivery(second.DeliveryId).SendAsync(second);
        var profileLog = await fixture.Profile(profileId).GetLogAsync(0, 10);
        var stepLog = await fixture.Grains.GetGrain<IStepDeliveryLogGrain>($"default/{journeyId}/{first.StepId}").GetLogAsync(0, 1);

        Assert.Equal([second.DeliveryId, first.DeliveryId], profileLog.Deliveries.Select(d => d.DeliveryId));
        Assert.Equal(2, stepLog.Total);
        Assert.Equal(second.DeliveryId, Assert.Single(stepLog.Deliveries).DeliveryId);
        Assert.Equal(1, stepLog.Counts[DeliveryStatuses.Sent]);
        Assert.Equal(1, stepLog.Counts[DeliveryStatuses.Failed]);
    }

    [Fact]
    public async Task AdminApi_ProfileDeliveries_ReturnsLog()
    {
        var profileId = Requests.NewId("p");
        var request = Requests.Email(profileId, $"{profileId}@example.test");
        await fixture.Delivery(request.DeliveryId).SendAsync(request);

        using var response = await fixture.Server.GetAsAdminAsync($"/admin/v1/workspaces/default/profiles/{profileId}/deliveries?limit=5");
        using var delivery = await fixture.Server.GetAsAdminAsync($"/admin/v1/workspaces/default/deliveries/{request.DeliveryId}");
        using var bad = await fixture.Server.GetAsAdminAsync($"/admin/v1/workspaces/default/profiles/{profileId}/deliveries?limit=0");

        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, body);
        Assert.Contains(request.DeliveryId, body);
        Assert.Contains("\"status\":\"sent\"", body);
        Assert.True(delivery.IsSuccessStatusCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
