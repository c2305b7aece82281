using System.Text.Json;
using Sendora.Grains.Channels;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Channels;

[Collection(ChannelsCollection.Name)]
public sealed class WebhookDeliveryTests(ChannelsFixture fixture)
{
    [Fact]
    public async Task Webhook_DefaultBody_IsSignedContext()
    {
        var name = Requests.NewId("ok");
        var request = Requests.Webhook(Requests.NewId("p"), fixture.Webhooks.Url("ok", name));

        var record = await fixture.Delivery(request.DeliveryId).SendAsync(request);

        Assert.Equal(DeliveryStatuses.Sent, record.Status);
        var accepted = Assert.Single(fixture.Webhooks.Accepted, a => a.Name == name);
        Assert.Equal(request.ContextJson, accepted.Body);
        Assert.Equal(request.DeliveryId, accepted.IdempotencyKey);
        Assert.Empty(fixture.Webhooks.Errors);
    }

    [Fact]
    public async Task Webhook_BodyTemplate_RendersJson()
    {
        var name = Requests.NewId("ok");
        var request = Requests.Webhook(Requests.NewId("p"), fixture.Webhooks.Url("ok", name),
            bodyTemplate: """{"name":"{{ traits.first_name }}","total":{{ event.properties.total }}}""");

        await fixture.Delivery(request.DeliveryId).SendAsync(request);

        using var body = JsonDocument.Parse(Assert.Single(fixture.Webhooks.Accepted, a => a.Name == name).Body);
        Assert.Equal("Ada", body.RootElement.GetProperty("name").GetString());
        Assert.Equal(42, body.RootElement.GetProperty("total").GetInt32());
    }

    // The tracking API takes numbers beyond decimal's range, and a template that prints one still renders.
    [Fact]
    public async Task Webhook_HugeNumber_Renders()
    {
        var name = Requests.NewId("ok");
        var request = Requests.Webhook(Requests.NewId("p"), fixture.Webhooks.Url("ok", name),
            bodyTemplate: """{"total":{{ event.properties.total }}}""");
        request = request with { ContextJson = request.ContextJson.Replace("\"total\":42", "\"total\":1e30", StringComparison.Ordinal) };

        var record = await fixture.Delivery(request.DeliveryId).SendAsync(request);

        Assert.Equal(DeliveryStatuses.Sent, record.Status);
        using var body = JsonDocument.Parse(Assert.Single(fixture.Webhooks.Accepted, a => a.Name == name).Body);
        Assert.Equal(1e30, body.RootElement.GetProperty("total").GetDouble());
    }

    // Values are escaped as inside a JSON string, so a trait cannot close the string and add keys.
    [Fact]
    public async Task Webhook_QuoteInTrait_StaysInString()
    {
        var name = Requests.NewId("ok");
        var request = Requests.Webhook(Requests.NewId("p"), fixture.Webhooks.Url("ok", name),
            bodyTemplate: """{"name":"{{ traits.first_name }}","event":{{ event | json | raw }}}""");
        request = request with
        {
            ContextJson = request.ContextJson.Replace("\"Ada\"", "\"Eve\\\", \\\"admin\\\": true, \\\"x\\\": \\\"\\nO'Neil\"", StringComparison.Ordinal),
        };

        var record = await fixture.Delivery(request.DeliveryId).SendAsync(request);

        Assert.Equal(DeliveryStatuses.Sent, record.Status);
        using var body = JsonDocument.Parse(Assert.Single(fixture.Webhooks.Accepted, a => a.Name == name).Body);
        Assert.Equal("Eve\", \"admin\": true, \"x\": \"\nO'Neil", body.RootElement.GetProperty("name").GetString());
        Assert.False(body.RootElement.TryGetProperty("admin", out _));
        Assert.Equal(42, body.RootElement.GetProperty("event").GetProperty("properties").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Webhook_TemplateNotJson_Fails()
    {
        var name = Requests.NewId("ok");
        var request = Requests.Webhook(Requests.NewId("p"), fixture.Webhooks.Url("ok", name), bodyTemplate: "name={{ traits.first_name }}");

        var record = await fixture.Delivery(request.DeliveryId).SendAsync(request);

        Assert.Equal(DeliveryStatuses.Failed, record.Status);
        Assert.Contains("valid JSON", record.Reason);
        Assert.Equal(0, fixture.Webhooks.AttemptsOf(name));
    }

    [Fact]
    public async Task Webhook_Redirect_FailsWithoutFollowing()
    {
        var name = Requests.NewId("moved");
        var request = Requests.Webhook(Requests.NewId("p"), fixture.Webhooks.Url("redirect", name));

        var record = await fixture.Delivery(request.DeliveryId).SendAsync(request);

        Assert.Equal(DeliveryStatuses.Failed, record.Status);
        Assert.Contains("307", record.Reason);
        Assert.Equal(1, fixture.Webhooks.AttemptsOf(name));
        Assert.Equal(0, fixture.Webhooks.AttemptsOf(name + "-moved"));
    }

    [Fact]
    public async Task Webhook_FailsThreeTimes_DeliversOnce()
    {
        var name = Requests.NewId("flaky");
        var request = Requests.Webhook(Requests.NewId("p"), fixture.Webhooks.Url("flaky", name));

        var first = await fixture.Delivery(request.DeliveryId).SendAsync(request);
        var repeated = await fixture.Delivery(request.DeliveryId).SendAsync(request);
        var final = await fixture.WaitUntilFinalAsync(fixture.Delivery(request.DeliveryId));
        var afterFinal = await fixture.Delivery(request.DeliveryId).SendAsync(request);

        Assert.Equal(DeliveryStatuses.Retrying, first.Status);
        Assert.Contains("503", first.Reason);
        Assert.NotEqual(DeliveryStatuses.Sent, repeated.Status);
        Assert.Equal(final, afterFinal);
        Assert.Equal(DeliveryStatuses.Sent, final.Status);
        Assert.Equal(4, final.Attempts);
        Assert.Equal(4, fixture.Webhooks.AttemptsOf(name));
        Assert.Single(fixture.Webhooks.Accepted, a => a.Name == name);
    }

    [Fact]
    public async Task Webhook_Replies429_WaitsRetryAfter()
    {
        var name = Requests.NewId("throttled");
        var request = Requests.Webhook(Requests.NewId("p"), fixture.Webhooks.Url("throttle", name));

        var first = await fixture.Delivery(request.DeliveryId).SendAsync(request);
        var final = await fixture.WaitUntilFinalAsync(fixture.Delivery(request.DeliveryId));

        Assert.Equal(DeliveryStatuses.Retrying, first.Status);
        Assert.Contains("429", first.Reason);
        Assert.True(first.NextAttemptAt >= fixture.Clock.GetUtcNow() + TimeSpan.FromSeconds(1),
            $"The retry was due at {first.NextAttemptAt:O}, before the Retry-After of 1 second.");
        Assert.Equal(DeliveryStatuses.Sent, final.Status);
        Assert.Equal(2, final.Attempts);
        Assert.Single(fixture.Webhooks.Accepted, a => a.Name == name);
    }

    [Fact]
    public async Task Webhook_Replies400_FailsWithoutRetry()
    {
        var name = Requests.NewId("reject");
        var request = Requests.Webhook(Requests.NewId("p"), fixture.Webhooks.Url("reject", name));

        var record = await fixture.Delivery(request.DeliveryId).SendAsync(request);
        await Task.Delay(500);

        Assert.Equal(DeliveryStatuses.Failed, record.Status);
        Assert.Contains("400", record.Reason);
        Assert.Equal(1, fixture.Webhooks.AttemptsOf(name));
    }

    [Fact]
    public async Task Webhook_HangingEndpoint_DoesNotDelayAnother()
    {
        var hangName = Requests.NewId("hang");
        var hanging = Requests.Webhook(Requests.NewId("p"), fixture.Webhooks.Url("hang", hangName));
        var name = Requests.NewId("ok");
        var healthy = Requests.Webhook(Requests.NewId("p"), fixture.Webhooks.Url("ok", name));

        var pending = fixture.Delivery(hanging.DeliveryId).SendAsync(hanging);
        await Poll.UntilAsync(
            () => Task.FromResult(fixture.Webhooks.AttemptsOf(hangName)),
            attempts => attempts > 0,
            _ => "The hanging endpoint never received its request.",
            TimeSpan.FromSeconds(30));
        var record = await fixture.Delivery(healthy.DeliveryId).SendAsync(healthy);

        // The healthy webhook was sent while the other request still waited for a reply that never comes.
        Assert.Equal(DeliveryStatuses.Sent, record.Status);
        Assert.False(pending.IsCompleted);
        var timedOut = await pending;
        Assert.Equal(DeliveryStatuses.Retrying, timedOut.Status);
        Assert.Contains("did not reply", timedOut.Reason);
    }

    [Fact]
    public async Task Webhook_InvalidUrl_Fails()
    {
        var request = Requests.Webhook(Requests.NewId("p"), "not a url");

        var record = await fixture.Delivery(request.DeliveryId).SendAsync(request);

        Assert.Equal(DeliveryStatuses.Failed, record.Status);
        Assert.Contains("not an absolute http or https URL", record.Reason);
    }
}
