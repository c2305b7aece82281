using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Destinations;

[Collection(DestinationsCollection.Name)]
public sealed class DestinationDeliveryTests(DestinationsFixture fixture)
{
    [Fact]
    public async Task Destination_FilteredMappedSigned_InTimestampOrder()
    {
        await fixture.CreateDestinationAsync(fixture.Destination("filtered", "Filtered", fixture.Receiver.Url("filtered"), """
            , "filter": {"eventTypes": ["track"], "eventNames": ["Order Completed"],
                         "where": {"property": "total", "operator": "greater_than", "value": 10}},
              "mapping": {"rename": {"properties.total": "properties.revenue"}, "drop": ["context", "properties.secret"]}
            """));

        await fixture.SendAsync(
            DestinationsFixture.Track("f-alice", "f-a3", "Order Completed", "2026-12-04T10:03:00.000Z", """{"total": 30, "secret": "x"}"""),
            DestinationsFixture.Track("f-alice", "f-a1", "Order Completed", "2026-12-04T10:01:00.000Z", """{"total": 11}"""),
            DestinationsFixture.Track("f-alice", "f-small", "Order Completed", "2026-12-04T10:01:30.000Z", """{"total": 5}"""),
            DestinationsFixture.Track("f-alice", "f-other", "Product Viewed", "2026-12-04T10:01:40.000Z", """{"total": 50}"""),
            """{"type": "identify", "userId": "f-alice", "messageId": "f-identify", "traits": {"plan": "pro"}}""",
            DestinationsFixture.Track("f-bob", "f-b1", "Order Completed", "2026-12-04T10:00:00.000Z", """{"total": 20}"""),
            DestinationsFixture.Track("f-alice", "f-a2", "Order Completed", "2026-12-04T10:02:00.000Z", """{"total": 20}"""));

        var received = await fixture.WaitForAsync("filtered", 4);
        await fixture.SendAsync(DestinationsFixture.Track("f-alice", "f-a4", "Order Completed", "2026-12-04T10:04:00.000Z", """{"total": 40}"""));
        received = await fixture.WaitForAsync("filtered", 5);

        Assert.Empty(fixture.Receiver.Errors);
        Assert.Equal(5, received.Count);
        var alice = received.Where(m => m.GetProperty("userId").GetString() == "f-alice").Select(Id).ToList();
        Assert.Equal(["f-a1", "f-a2", "f-a3", "f-a4"], alice);
        Assert.Equal(["f-b1"], received.Where(m => m.GetProperty("userId").GetString() == "f-bob").Select(Id));
        var first = received.Single(m => Id(m) == "f-a3");
        Assert.Equal(30, first.GetProperty("properties").GetProperty("revenue").GetInt32());
        Assert.False(first.GetProperty("properties").TryGetProperty("total", out _));
        Assert.False(first.GetProperty("properties").TryGetProperty("secret", out _));
        Assert.False(first.TryGetProperty("context", out _));
    }

    [Fact]
    public async Task FailingPerson_HoldsBackOnlyThatPerson()
    {
        fixture.Receiver.Unavailable["h-bob"] = true;
        await fixture.CreateDestinationAsync(fixture.Destination("held", "Held", fixture.Receiver.Url("held")));

        await fixture.SendAsync(
            DestinationsFixture.Track("h-alice", "h-a1", "Step", "2026-12-04T10:00:00.000Z"),
            DestinationsFixture.Track("h-bob", "h-b1", "Step", "2026-12-04T10:00:00.000Z"));
        await fixture.WaitForAsync("held", 1);
        var stats = await WaitForCountAsync("held", "retrying", 1);
        var failure = stats.GetProperty("failures")[0];
        Assert.Equal(503, failure.GetProperty("status").GetInt32());
        Assert.Equal("h-bob is unavailable", failure.GetProperty("bodyExcerpt").GetString());

        await fixture.SendAsync(
            DestinationsFixture.Track("h-bob", "h-b2", "Step", "2026-12-04T10:01:00.000Z"),
            DestinationsFixture.Track("h-alice", "h-a2", "Step", "2026-12-04T10:01:00.000Z"));
        var whileFailing = await fixture.WaitForAsync("held", 2);
        Assert.Equal(["h-a1", "h-a2"], whileFailing.Select(Id));
        Assert.DoesNotContain(fixture.Receiver.AcceptedBy("held"), m => m.GetProperty("userId").GetString() == "h-bob");

        fixture.Receiver.Unavailable.TryRemove("h-bob", out _);
        var all = await fixture.WaitForAsync("held", 4);
        Assert.Equal(["h-b1", "h-b2"], all.Where(m => m.GetProperty("userId").GetString() == "h-bob").Select(Id));
        var after = await WaitForCountAsync("held", "delivered", 4);
        Assert.Equal(0, after.GetProperty("counts").GetProperty("retrying").GetInt32());
    }

    [Fact]
    public async Task DeadDestinations_DoNotDelayHealthyOne()
    {
        var closedPort = Ports.GetFree();
        await fixture.CreateDestinationAsync(fixture.Destination("refused", "Refused", $"http://127.0.0.1:{closedPort}/events"));
        await fixture.CreateDestinationAsync(fixture.Destination("hanging", "Hanging", fixture.Receiver.HangingUrl("hanging")));
        await fixture.CreateDestinationAsync(fixture.Destination("healthy", "Healthy", fixture.Receiver.Url("healthy")));

        for (var i = 1; i <= 3; i++)
        {
            await fixture.SendAsync(DestinationsFixture.Track("d-carol", $"d-c{i}", "Step", $"2026-12-04T10:0{i}:00.000Z"));
        }

        var received = await fixture.WaitForAsync("healthy", 3);
        Assert.Equal(["d-c1", "d-c2", "d-c3"], received.Select(Id));
        var refused = await WaitForCountAsync("refused", "retrying", 1);
        Assert.Equal(0, refused.GetProperty("counts").GetProperty("delivered").GetInt32());
        Assert.Contains("request failed", refused.GetProperty("failures")[0].GetProperty("reason").GetString());
        Assert.Equal(0, (await fixture.GetDestinationAsync("hanging")).GetProperty("counts").GetProperty("delivered").GetInt32());
    }

    [Fact]
    public async Task Integrations_AllFalseAndPerName_ChooseDestinations()
    {
        await fixture.CreateDestinationAsync(fixture.Destination("alpha", "Alpha", fixture.Receiver.Url("alpha")));
        await fixture.CreateDestinationAsync(fixture.Destination("beta", "Beta", fixture.Receiver.Url("beta")));

        await fixture.SendAsync(
            DestinationsFixture.Track("i-dan", "i-1", "Step", "2026-12-04T10:01:00.000Z", integrations: """{"All": false, "Alpha": true}"""),
            DestinationsFixture.Track("i-dan", "i-2", "Step", "2026-12-04T10:02:00.000Z", integrations: """{"Beta": false}"""),
            DestinationsFixture.Track("i-dan", "i-3", "Step", "2026-12-04T10:03:00.000Z", integrations: """{"All": false}"""),
            DestinationsFixture.Track("i-dan", "i-4", "Step", "2026-12-04T10:04:00.000Z"),
            DestinationsFixture.Track("i-dan", "i-5", "Step", "2026-12-04T10:05:00.000Z", integrations: """{"All": false, "Beta": {"key": "v"}}"""));

        var alpha = await fixture.WaitForAsync("alpha", 3);
        var beta = await fixture.WaitForAsync("beta", 2);
        Assert.Equal(["i-1", "i-2", "i-4"], alpha.Select(Id));
        Assert.Equal(["i-4", "i-5"], beta.Select(Id));
    }

    [Fact]
    public async Task RejectedMessages_ParkThenReplay()
    {
        fixture.Receiver.Rejected["p-erin"] = true;
        await fixture.CreateDestinationAsync(fixture.Destination("parking", "Parking", fixture.Receiver.Url("parking")));

        await fixture.SendAsync(DestinationsFixture.Track("p-erin", "p-1", "Step", "2026-12-04T10:01:00.000Z"));
        var parked = await WaitForCountAsync("parking", "parked", 1);
        Assert.Equal(1, parked.GetProperty("counts").GetProperty("failed").GetInt32());
        var failure = parked.GetProperty("failures")[0];
        Assert.Equal(400, failure.GetProperty("status").GetInt32());
        Assert.Equal("p-erin is rejected", failure.GetProperty("bodyExcerpt").GetString());

        // A rejection blocks nothing: the person's next message goes through.
        fixture.Receiver.Rejected.TryRemove("p-erin", out _);
        await fixture.SendAsync(DestinationsFixture.Track("p-erin", "p-2", "Step", "2026-12-04T10:02:00.000Z"));
        Assert.Equal(["p-2"], (await fixture.WaitForAsync("parking", 1)).Select(Id));

        using var replay = await fixture.Server.SendAsAdminAsync(
            HttpMethod.Post, "/admin/v1/workspaces/default/destinations/parking/replay", "{}");
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        using var body = JsonDocument.Parse(await replay.Content.ReadAsStringAsync());
        Assert.Equal(1, body.RootElement.GetProperty("replayed").GetInt32());

        Assert.Equal(["p-2", "p-1"], (await fixture.WaitForAsync("parking", 2)).Select(Id));
        var after = await WaitForCountAsync("parking", "delivered", 2);
        Assert.Equal(0, after.GetProperty("counts").GetProperty("parked").GetInt32());
    }

    [Fact]
    public async Task AudienceChanges_ReachDestinationAsTrackEvents()
    {
        using (var audience = await fixture.Server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces/default/audiences",
            """{"id": "dest-pro", "name": "Pro users", "condition": {"trait": "engage_plan", "operator": "equals", "value": "pro"}}"""))
        {
            Assert.True(audience.StatusCode == HttpStatusCode.Created, await audience.Content.ReadAsStringAsync());
        }

        await fixture.CreateDestinationAsync(fixture.Destination("engage", "Engage", fixture.Receiver.Url("engage"), """
            , "filter": {"eventTypes": ["alias"]},
              "audienceEvents": {"enabled": true, "audienceIds": ["dest-pro"]}
            """));

        await fixture.SendAsync("""{"type": "identify", "userId": "a-fay", "messageId": "a-1", "traits": {"engage_plan": "pro"}}""");
        await fixture.WaitForAsync("engage", 1);
        await fixture.SendAsync("""{"type": "identify", "userId": "a-fay", "messageId": "a-2", "traits": {"engage_plan": "free"}}""");
        var received = await fixture.WaitForAsync("engage", 2);

        Assert.True(received.Count == 2, string.Join("\n", received));
        Assert.Equal(["Audience Entered", "Audience Exited"], received.Select(m => m.GetProperty("event").GetString()));
        foreach (var message in received)
        {
            Assert.Equal("track", message.GetProperty("type").GetString());
            Assert.Equal("a-fay", message.GetProperty("userId").GetString());
            Assert.Equal("dest-pro", message.GetProperty("properties").GetProperty("audience_id").GetString());
            Assert.Equal("Pro users", message.GetProperty("properties").GetProperty("audience_name").GetString());
        }

        Assert.NotEqual(Id(received[0]), Id(received[1]));
    }

    private Task<JsonElement> WaitForCountAsync(string destinationId, string count, int atLeast) =>
        Poll.UntilAsync(
            () => fixture.GetDestinationAsync(destinationId),
            stats => stats.GetProperty("counts").GetProperty(count).GetInt32() >= atLeast,
            stats => $"Destination '{destinationId}' has {count} below {atLeast}: {stats}",
            TimeSpan.FromSeconds(30));

    private static string Id(JsonElement message) => message.GetProperty("messageId").GetString()!;
}
