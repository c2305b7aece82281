using System.Globalization;
using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Profiles;

/// <summary>A profile's events: Segment's response shape, the envelope of each event, and paging.</summary>
[Collection(SendoraCollection.Name)]
public sealed class ProfileEventsTests(SendoraFixture fixture)
{
    private static readonly DateTimeOffset Start = new(2024, 5, 1, 10, 0, 0, TimeSpan.Zero);

    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task LargeEvents_KeepNewestWithinEntityLimit()
    {
        // Forty tracks of about 30 KB each are more than one storage entity holds, so old ones give way.
        var user = $"large-{Guid.NewGuid():N}";
        var note = new string('n', 30_000);
        for (var i = 0; i < 40; i++)
        {
            using var response = await _server.PostAsync("/v1/track",
                $$$"""{"userId":"{{{user}}}","event":"Big","messageId":"big-{{{i}}}","timestamp":"{{{Start.AddSeconds(i):O}}}","properties":{"note":"{{{note}}}"}}""");
            await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        var events = await Sendora.Tests.Tracking.TrackingTestExtensions.GetEventsAsync(_server, "user_id:" + user);
        Assert.InRange(events.Length, 10, 39);
        Assert.Equal("big-39", events[0].GetProperty("messageId").GetString());
    }

    [Fact]
    public async Task Events_Response_HasDataAndCursor()
    {
        var user = await TrackAsync(1);

        var body = await ReadAsync(EventsPath(user));

        Assert.Equal(JsonValueKind.Array, body.GetProperty("data").ValueKind);
        var cursor = body.GetProperty("cursor");
        Assert.Equal(JsonValueKind.String, cursor.GetProperty("url").ValueKind);
        Assert.Equal(JsonValueKind.False, cursor.GetProperty("has_more").ValueKind);
        Assert.Equal(JsonValueKind.String, cursor.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task Events_CursorUrl_IsRequestPathAndQuery()
    {
        var user = await TrackAsync(1);
        var path = EventsPath(user, "?limit=5");

        var body = await ReadAsync(path);

        Assert.Equal(path, body.GetProperty("cursor").GetProperty("url").GetString());
    }

    [Fact]
    public async Task Events_TrackEvent_CarriesEnvelopeFields()
    {
        var user = "events-" + Guid.NewGuid().ToString("N");
        var messageId = "msg-" + Guid.NewGuid().ToString("N");
        await PostOkAsync("/v1/track",
            $$"""
            {"userId":"{{user}}","event":"Order Completed","messageId":"{{messageId}}",
             "timestamp":"2024-05-01T10:00:00.123Z","properties":{"total":30} }
            """);

        var stored = Assert.Single((await ReadAsync(EventsPath(user))).GetProperty("data").EnumerateArray());

        Assert.Equal(messageId, stored.GetProperty("messageId").GetString());
        Assert.Equal("track", stored.GetProperty("type").GetString());
        Assert.Equal("Order Completed", stored.GetProperty("event").GetString());
        Assert.Equal(user, stored.GetProperty("userId").GetString());
        Assert.Equal("2024-05-01T10:00:00.123Z", stored.GetProperty("timestamp").GetString());
        Assert.Equal("2024-05-01T10:00:00.123Z", stored.GetProperty("originalTimestamp").GetString());
        Assert.Equal(30, stored.GetProperty("properties").GetProperty("total").GetInt32());
        Assert.Equal(await DefaultSourceIdAsync(), stored.GetProperty("source_id").GetString());
    }

    [Fact]
    public async Task Events_ClientSourceIdField_IsReplacedNotRepeated()
    {
        var user = "spoof-" + Guid.NewGuid().ToString("N");
        await PostOkAsync("/v1/track", $$"""{"userId":"{{user}}","event":"E","source_id":"src_spoofed"}""");

        var response = await _server.GetAsAdminAsync(EventsPath(user));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(1, text.Split("\"source_id\"").Length - 1);
        var stored = Assert.Single((await JsonAssert.ReadAsync(response)).GetProperty("data").EnumerateArray());
        Assert.Equal(await DefaultSourceIdAsync(), stored.GetProperty("source_id").GetString());
    }

    [Fact]
    public async Task Events_ReceivedAt_IsUtcWithMilliseconds()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var user = await TrackAsync(1);

        var stored = Assert.Single((await ReadAsync(EventsPath(user))).GetProperty("data").EnumerateArray());

        var receivedAt = stored.GetProperty("receivedAt").GetString()!;
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$", receivedAt);
        Assert.InRange(DateTimeOffset.Parse(receivedAt, CultureInfo.InvariantCulture), before, DateTimeOffset.UtcNow.AddSeconds(1));
    }

    [Fact]
    public async Task Events_EveryMessageType_IsAnEvent()
    {
        var user = "types-" + Guid.NewGuid().ToString("N");
        await PostOkAsync("/v1/batch",
            $$"""
            {"batch":[
              {"type":"identify","userId":"{{user}}","traits":{"a":1},"messageId":"{{user}}-i"},
              {"type":"track","userId":"{{user}}","event":"E","messageId":"{{user}}-t"},
              {"type":"page","userId":"{{user}}","name":"Home","messageId":"{{user}}-p"},
              {"type":"screen","userId":"{{user}}","name":"Main","messageId":"{{user}}-s"},
              {"type":"group","userId":"{{user}}","groupId":"g1","messageId":"{{user}}-g"}
            ]}
            """);

        var body = await ReadAsync(EventsPath(user));

        var types = body.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("type").GetString()).Order();
        Assert.Equal(["group", "identify", "page", "screen", "track"], types);
    }

    [Fact]
    public async Task Events_DefaultLimit_ReturnsTen()
    {
        var user = await TrackAsync(12);

        var body = await ReadAsync(EventsPath(user));

        Assert.Equal(10, body.GetProperty("data").GetArrayLength());
        Assert.True(body.GetProperty("cursor").GetProperty("has_more").GetBoolean());
    }

    [Fact]
    public async Task Events_LimitOfHundred_IsAccepted()
    {
        var user = await TrackAsync(12);

        var body = await ReadAsync(EventsPath(user, "?limit=100"));

        Assert.Equal(12, body.GetProperty("data").GetArrayLength());
        Assert.False(body.GetProperty("cursor").GetProperty("has_more").GetBoolean());
        Assert.Equal(string.Empty, body.GetProperty("cursor").GetProperty("next").GetString());
    }

    [Fact]
    public async Task Events_WalkAllPages_EachOnceNewestFirst()
    {
        var user = await TrackAsync(25);
        var seen = new List<string>();
        var pageSizes = new List<int>();
        var next = string.Empty;

        for (var page = 0; page < 10; page++)
        {
            var query = next.Length == 0 ? "?limit=10" : $"?limit=10&next={Uri.EscapeDataString(next)}";
            var body = await ReadAsync(EventsPath(user, query));
            var data = body.GetProperty("data").EnumerateArray().ToList();
            pageSizes.Add(data.Count);
            seen.AddRange(data.Select(e => e.GetProperty("messageId").GetString()!));
            var cursor = body.GetProperty("cursor");
            next = cursor.GetProperty("next").GetString()!;
            Assert.Equal(cursor.GetProperty("has_more").GetBoolean(), next.Length > 0);
            if (!cursor.GetProperty("has_more").GetBoolean())
            {
                break;
            }
        }

        Assert.Equal([10, 10, 5], pageSizes);
        Assert.Equal(Enumerable.Range(0, 25).Reverse().Select(i => MessageId(user, i)), seen);
    }

    [Fact]
    public async Task Events_SameTimestamp_WalkReturnsEachEventOnce()
    {
        var user = "same-" + Guid.NewGuid().ToString("N");
        var items = Enumerable.Range(0, 7).Select(i =>
            $$"""{"type":"track","userId":"{{user}}","event":"E","messageId":"{{MessageId(user, i)}}","timestamp":"2024-05-01T10:00:00.000Z"}""");
        await PostOkAsync("/v1/batch", $$"""{"batch":[{{string.Join(",", items)}}]}""");
        var seen = new List<string>();
        var next = string.Empty;

        for (var page = 0; page < 10; page++)
        {
            var query = next.Length == 0 ? "?limit=3" : $"?limit=3&next={Uri.EscapeDataString(next)}";
            var body = await ReadAsync(EventsPath(user, query));
            seen.AddRange(body.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("messageId").GetString()!));
            next = body.GetProperty("cursor").GetProperty("next").GetString()!;
            if (next.Length == 0)
            {
                break;
            }
        }

        Assert.Equal(Enumerable.Range(0, 7).Select(i => MessageId(user, i)).Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.Equal(7, seen.Distinct().Count());
    }

    public static TheoryData<string, string> InvalidLimits => new()
    {
        { "events", "0" }, { "events", "101" }, { "events", "abc" }, { "events", "-1" }, { "events", "" },
        { "traits", "0" }, { "traits", "101" }, { "traits", "abc" },
        { "external_ids", "0" }, { "external_ids", "101" }, { "external_ids", "abc" },
    };

    [Theory]
    [MemberData(nameof(InvalidLimits))]
    public async Task Limit_OutOfRange_Returns400NamingLimit(string resource, string limit)
    {
        var user = await TrackAsync(1);

        var response = await _server.GetAsAdminAsync(
            SendoraServer.ProfilePath("user_id:" + user, resource, "?limit=" + Uri.EscapeDataString(limit)));

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var body = await JsonAssert.ReadAsync(response);
        Assert.Contains("'limit'", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("events", "not-a-cursor!")]
    [InlineData("events", "LTF8bQ")]
    [InlineData("events", "NTAwMDAwMDAwMDAwMDAwMDAwMHxt")]
    [InlineData("traits", "not-a-cursor!")]
    [InlineData("external_ids", "not-a-cursor!")]
    [InlineData("external_ids", "LTU")]
    public async Task Next_Invalid_Returns400NamingNext(string resource, string next)
    {
        var user = await TrackAsync(2);

        var response = await _server.GetAsAdminAsync(
            SendoraServer.ProfilePath("user_id:" + user, resource, "?next=" + Uri.EscapeDataString(next)));

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var body = await JsonAssert.ReadAsync(response);
        Assert.Contains("'next'", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    // Sends `count` track calls of one new user in one batch, one minute apart, and returns the user id.
    private async Task<string> TrackAsync(int count)
    {
        var user = "events-" + Guid.NewGuid().ToString("N");
        var items = Enumerable.Range(0, count).Select(i => JsonSerializer.Serialize(new
        {
            type = "track",
            userId = user,
            @event = "Clicked",
            messageId = MessageId(user, i),
            timestamp = Start.AddMinutes(i).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
        }));
        await PostOkAsync("/v1/batch", $$"""{"batch":[{{string.Join(",", items)}}]}""");
        return user;
    }

    private async Task PostOkAsync(string path, string json)
    {
        var response = await _server.PostAsync(path, json);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var body = await JsonAssert.ReadAsync(response);
        Assert.False(body.TryGetProperty("rejected", out _), body.ToString());
    }

    private async Task<JsonElement> ReadAsync(string path)
    {
        var response = await _server.GetAsAdminAsync(path);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }

    private async Task<string> DefaultSourceIdAsync()
    {
        var workspace = await ReadAsync("/admin/v1/workspaces/default");
        return workspace.GetProperty("sources")[0].GetProperty("id").GetString()!;
    }

    private static string EventsPath(string user, string query = "") =>
        SendoraServer.ProfilePath("user_id:" + user, "events", query);

    private static string MessageId(string user, int index) => $"{user}-{index:D2}";
}
