using System.Net;
using Sendora.Tests.Infrastructure;
using static Sendora.Tests.Tracking.TrackingTestExtensions;

namespace Sendora.Tests.Observability;

/// <summary>The gateway's Prometheus scrape endpoint and the message counters of the <c>Sendora</c> meter.</summary>
[Collection(SendoraCollection.Name)]
public sealed class MetricsTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task Scrape_AfterMessages_CountsEachOutcome()
    {
        var source = await _server.CreateSourceAsync("metrics");
        var user = NewId("metrics");
        var batch = $$"""
            {"batch": [
              {"type": "track", "userId": "{{user}}", "event": "Viewed", "messageId": "{{user}}-1"},
              {"type": "track", "userId": "{{user}}", "event": "Viewed", "messageId": "{{user}}-2"},
              {"type": "track", "userId": "{{user}}", "messageId": "{{user}}-3"},
              {"type": "identify", "userId": "{{user}}", "messageId": "{{user}}-4"},
              {"type": "track", "userId": "{{user}}", "messageId": "{{user}}-5"}
            ]}
            """;
        using (var response = await _server.PostAsync("/v1/batch", batch, source.WriteKey))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        using (var repeat = await _server.PostAsync(
            "/v1/track", $$"""{"userId":"{{user}}","event":"Viewed","messageId":"{{user}}-1"}""", source.WriteKey))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, repeat);
        }

        using (var invalid = await _server.PostAsync("/v1/track", "{not json", source.WriteKey))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, invalid);
        }

        var labels = (Key: "source", Value: source.Id);
        var scrape = await PrometheusScrape.WaitForAsync(
            _server, s => s.Value("sendora_messages_rejected_total", labels, ("code", "invalid_json")) is not null);
        Assert.Equal(3, scrape.Value("sendora_messages_accepted_total", labels, ("workspace", "default")));
        Assert.Equal(1, scrape.Value("sendora_messages_duplicate_total", labels));
        Assert.Equal(2, scrape.Value("sendora_messages_rejected_total", labels, ("code", "missing_event")));
        Assert.Equal(1, scrape.Value("sendora_messages_rejected_total", labels, ("code", "invalid_json")));
    }

    [Fact]
    public async Task Scrape_InvalidWriteKey_CountsRejectionWithoutSource()
    {
        var before = await PrometheusScrape.ReadAsync(_server);
        var code = (Key: "code", Value: "invalid_write_key");

        using (var response = await _server.PostAsync("/v1/track", """{"userId":"u","event":"E"}""", "wk_unknown"))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
        }

        var earlier = before.Value("sendora_messages_rejected_total", code) ?? 0;
        var after = await PrometheusScrape.WaitForAsync(_server, s => s.Value("sendora_messages_rejected_total", code) > earlier);
        Assert.True(after.Value("sendora_messages_rejected_total", code) > earlier, after.Text);
    }

    [Fact]
    public async Task Scrape_AfterGrainCalls_ShowsOrleansRequestLatency()
    {
        // A gateway process of its own: in this test process every in-process server creates a meter named
        // Microsoft.Orleans, and the exporter of one server may keep another server's instruments instead of its own.
        await using var cluster = await SendoraCluster.StartAsync();
        using (var response = await cluster.Http.SendAsync(cluster.Track(NewId("latency"), NewId("m"))))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        var scrape = await PrometheusScrape.WaitForAsync(cluster.Http, s => s.Has("orleans_app_requests_latency_milliseconds_count"));

        Assert.True(scrape.Has("orleans_app_requests_latency_milliseconds_count"), scrape.Text);
    }

    [Fact]
    public async Task Scrape_WithoutAdminToken_IsUnauthorized()
    {
        using var response = await _server.Http.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
