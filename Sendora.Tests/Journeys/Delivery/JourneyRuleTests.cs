using System.Net;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Journeys.Delivery;

/// <summary>Unsubscription, quiet hours and frequency caps applied to the email steps of journeys.</summary>
[Collection(JourneyDeliveryCollection.Name)]
public sealed class JourneyRuleTests(JourneyDeliveryFixture fixture)
{
    // A marketing email followed by a transactional one, both to the profile's email trait.
    private const string NewsThenReceipt = """
        {"name": "Order mail", "trigger": {"event": "Order Completed"},
         "steps": [{"id": "news", "type": "send_email", "subject": "News for {{ traits.first_name }}", "text": "Our news",
                    "next": "receipt"},
                   {"id": "receipt", "type": "send_email", "subject": "Your receipt", "text": "Thanks", "transactional": true}]}
        """;

    [Fact]
    public async Task Unsubscribed_MarketingSuppressed_TransactionalSent()
    {
        var workspace = await fixture.CreateWorkspaceAsync();
        var address = $"{workspace.Id}@example.test";
        await workspace.CreateAndPublishAsync("orders", NewsThenReceipt);
        await workspace.SendAsync("/v1/identify", $$$"""{"userId": "ada", "traits": {"first_name": "Ada", "email": "{{{address}}}"}}""");
        var profileId = await workspace.ProfileIdAsync("ada");
        using (var unsubscribed = await workspace.AdminAsync(HttpMethod.Put,
            $"/admin/v1/workspaces/{workspace.Id}/profiles/{profileId}/subscriptions/email", """{"subscribed": false}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, unsubscribed);
        }

        await workspace.SendAsync("/v1/track", """{"userId": "ada", "event": "Order Completed"}""");

        var news = await workspace.FinalDeliveryAsync("orders", "news");
        var receipt = await workspace.FinalDeliveryAsync("orders", "receipt");
        Assert.Equal("suppressed", news.GetProperty("status").GetString());
        Assert.Contains("unsubscribed", news.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("sent", receipt.GetProperty("status").GetString());
        var email = Assert.Single(await workspace.EmailsAsync(address));
        Assert.Equal("Your receipt", email.Subject);
        Assert.Null(email.Headers["List-Unsubscribe"]);
        var run = Assert.Single(await workspace.RunsAsync("orders", "ada"));
        Assert.Equal("completed", run.GetProperty("status").GetString());
    }

    // Admin routes that name a profile also take an external id, as the profile API does, and resolve it.
    [Fact]
    public async Task UnsubscribedByUserId_MarketingSuppressed()
    {
        var workspace = await fixture.CreateWorkspaceAsync();
        var address = $"{workspace.Id}@example.test";
        await workspace.CreateAndPublishAsync("orders", NewsThenReceipt);
        await workspace.SendAsync("/v1/identify", $$$"""{"userId": "ada", "traits": {"first_name": "Ada", "email": "{{{address}}}"}}""");
        var profileId = await workspace.ProfileIdAsync("ada");
        using (var unsubscribed = await workspace.AdminAsync(HttpMethod.Put,
            $"/admin/v1/workspaces/{workspace.Id}/profiles/user_id:ada/subscriptions/email", """{"subscribed": false}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, unsubscribed);
        }

        using (var unknown = await workspace.AdminAsync(HttpMethod.Put,
            $"/admin/v1/workspaces/{workspace.Id}/profiles/user_id:nobody/subscriptions/email", """{"subscribed": false}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.NotFound, unknown);
        }

        await workspace.SendAsync("/v1/track", """{"userId": "ada", "event": "Order Completed"}""");

        var news = await workspace.FinalDeliveryAsync("orders", "news");
        Assert.Equal("suppressed", news.GetProperty("status").GetString());
        using var runs = await workspace.AdminAsync(HttpMethod.Get, $"/admin/v1/workspaces/{workspace.Id}/journeys/orders/runs/user_id:ada");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, runs);
        var body = await JsonAssert.ReadAsync(runs);
        Assert.Equal(profileId, body.GetProperty("profileId").GetString());
        Assert.Single(body.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task QuietHours_NightProfile_MarketingHeld()
    {
        var workspace = await fixture.CreateWorkspaceAsync(fixture.QuietWorkspaceId);
        var night = ZoneAtLocalHour(2);
        var day = ZoneAtLocalHour(12);
        await workspace.CreateAndPublishAsync("orders", NewsThenReceipt);
        await workspace.SendAsync("/v1/identify", $$$"""
            {"userId": "owl", "traits": {"first_name": "Owl", "email": "owl@{{{workspace.Id}}}.test", "timezone": "{{{night.Id}}}"}}
            """);
        await workspace.SendAsync("/v1/identify", $$$"""
            {"userId": "lark", "traits": {"first_name": "Lark", "email": "lark@{{{workspace.Id}}}.test", "timezone": "{{{day.Id}}}"}}
            """);

        await workspace.SendAsync("/v1/track", """{"userId": "owl", "event": "Order Completed"}""");
        await workspace.SendAsync("/v1/track", """{"userId": "lark", "event": "Order Completed"}""");

        var news = await workspace.StepDeliveriesWhenAsync("orders", "news", records => records.Count == 2
            && records.All(r => r.GetProperty("status").GetString() is "queued" or "sent"));
        var receipts = await workspace.StepDeliveriesWhenAsync("orders", "receipt", records => records.Count == 2
            && records.All(r => r.GetProperty("status").GetString() == "sent"));
        var owlId = await workspace.ProfileIdAsync("owl");
        var held = Assert.Single(news, r => r.GetProperty("profileId").GetString() == owlId);
        Assert.Equal("queued", held.GetProperty("status").GetString());
        Assert.StartsWith("Quiet hours until", held.GetProperty("reason").GetString(), StringComparison.Ordinal);
        var due = held.GetProperty("nextAttemptAt").GetDateTimeOffset();
        Assert.Equal(new TimeOnly(8, 0), TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(due, night).DateTime));
        Assert.InRange(due - DateTimeOffset.UtcNow, TimeSpan.FromHours(4), TimeSpan.FromHours(7));
        Assert.Single(news, r => r.GetProperty("status").GetString() == "sent");
        Assert.Equal(2, receipts.Count);

        Assert.Equal(["Your receipt"], (await workspace.EmailsAsync($"owl@{workspace.Id}.test")).Select(m => m.Subject));
        var larkMail = await workspace.EmailsAsync($"lark@{workspace.Id}.test", count: 2);
        Assert.Equal(["News for Lark", "Your receipt"], larkMail.Select(m => m.Subject).Order());
        var run = Assert.Single(await workspace.RunsAsync("orders", "owl"));
        Assert.Equal("completed", run.GetProperty("status").GetString());
    }

    [Fact]
    public async Task FrequencyCap_ThirdMarketingEmailCapped()
    {
        var workspace = await fixture.CreateWorkspaceAsync(fixture.CappedWorkspaceId);
        var address = $"{workspace.Id}@example.test";
        await workspace.CreateAndPublishAsync("series", """
            {"name": "Series", "trigger": {"event": "Signed Up"},
             "steps": [{"id": "first", "type": "send_email", "subject": "One", "text": "1", "next": "second"},
                       {"id": "second", "type": "send_email", "subject": "Two", "text": "2", "next": "third"},
                       {"id": "third", "type": "send_email", "subject": "Three", "text": "3", "next": "receipt"},
                       {"id": "receipt", "type": "send_email", "subject": "Receipt", "text": "r", "transactional": true}]}
            """);
        await workspace.SendAsync("/v1/identify", $$$"""{"userId": "ada", "traits": {"email": "{{{address}}}"}}""");

        await workspace.SendAsync("/v1/track", """{"userId": "ada", "event": "Signed Up"}""");

        var third = await workspace.FinalDeliveryAsync("series", "third");
        Assert.Equal("capped", third.GetProperty("status").GetString());
        Assert.Contains("the cap is 2", third.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("sent", (await workspace.FinalDeliveryAsync("series", "first")).GetProperty("status").GetString());
        Assert.Equal("sent", (await workspace.FinalDeliveryAsync("series", "second")).GetProperty("status").GetString());
        Assert.Equal("sent", (await workspace.FinalDeliveryAsync("series", "receipt")).GetProperty("status").GetString());
        var emails = await workspace.EmailsAsync(address, count: 3);
        Assert.Equal(["One", "Receipt", "Two"], emails.Select(m => m.Subject).Order());
    }

    /// <summary>Returns a fixed-offset zone in which the local time is now between <paramref name="hour"/> and the next hour.</summary>
    private static TimeZoneInfo ZoneAtLocalHour(int hour)
    {
        // Etc/GMT zones run from UTC-12 to UTC+14, and their sign is the reverse of the offset's.
        var offset = (hour - DateTimeOffset.UtcNow.Hour + 24) % 24;
        if (offset > 14)
        {
            offset -= 24;
        }

        var id = offset switch
        {
            0 => "Etc/GMT",
            > 0 => $"Etc/GMT-{offset}",
            _ => $"Etc/GMT+{-offset}",
        };
        return TimeZoneInfo.FindSystemTimeZoneById(id);
    }
}
