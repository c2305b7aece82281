using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Sendora.Tests.Infrastructure;
using Sendora.Tests.Tracking;
using static Sendora.Tests.Tracking.TrackingTestExtensions;

namespace Sendora.Tests.Conformance;

/// <summary>
/// Failures that analytics clients and collectors in this field have run into, each reduced to a minimal
/// request and checked against Sendora's documented behaviour. Where a failure allows several outcomes,
/// Sendora's choice is tested: an item-level writeKey inside a batch is ignored, and a gzip body sent
/// without its header is decompressed.
/// </summary>
public sealed class ClientCompatibilityTests(ClockedServerFixture fixture) : IClassFixture<ClockedServerFixture>
{
    private readonly SendoraServer _server = fixture.Server;
    private readonly SettableClock _clock = fixture.Clock;

    [Fact]
    public async Task Batch_Over500KB_IsRejectedWhole()
    {
        var user = NewId("user");
        var body = NotesBatch(user, Enumerable.Range(1, 20));
        Assert.InRange(Encoding.UTF8.GetByteCount(body), 530_000, 560_000);

        var response = await _server.PostAsync("/v1/batch", body);

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "batch_too_large");
        Assert.Contains("512000", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task Batch_Over500KBSplitInTwo_StoresAllTwenty()
    {
        var user = NewId("user");

        var first = await _server.PostAsync("/v1/batch", NotesBatch(user, Enumerable.Range(1, 10)));
        var second = await _server.PostAsync("/v1/batch", NotesBatch(user, Enumerable.Range(11, 10)));

        await JsonAssert.StatusAsync(HttpStatusCode.OK, first);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, second);
        Assert.Equal(20, (await _server.GetEventsAsync("user_id:" + user)).Length);
    }

    [Fact]
    public async Task Track_40000BytePropertyAlone_Returns400()
    {
        var user = NewId("user");
        var body = $$$"""
            {"type":"track","messageId":"m-big","userId":"{{{user}}}","event":"Big","properties":{"blob":"{{{new string('a', 40_000)}}}"}}
            """;

        var response = await _server.PostAsync("/v1/track", body);

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "message_too_large");
        Assert.Contains("32768", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task BatchItem_40000Bytes_IsListedAndKept()
    {
        var user = NewId("user");
        var source = await _server.CreateSourceAsync("oversized-item");
        var body = $$$"""
            {"batch":[
              {"type":"track","messageId":"m-1","userId":"{{{user}}}","event":"Small"},
              {"type":"track","messageId":"m-big","userId":"{{{user}}}","event":"Big","properties":{"blob":"{{{new string('a', 40_000)}}}"}},
              {"type":"track","messageId":"m-3","userId":"{{{user}}}","event":"Small"}]}
            """;

        var response = await _server.PostAsync("/v1/batch", body, source.WriteKey);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var rejected = Assert.Single((await JsonAssert.ReadAsync(response)).GetProperty("rejected").EnumerateArray());
        Assert.Equal(1, rejected.GetProperty("index").GetInt32());
        Assert.Equal("message_too_large", rejected.GetProperty("code").GetString());
        var stored = await _server.GetEventsAsync("user_id:" + user);
        Assert.Equal(["m-1", "m-3"], stored.Select(e => e.GetProperty("messageId").GetString()).Order());
        var rejection = Assert.Single(await _server.GetRejectionsAsync(source.Id));
        Assert.Equal(1, rejection.GetProperty("index").GetInt32());
        Assert.Contains("m-big", rejection.GetProperty("body").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"track","messageId":"m1","userId":"","event":"cli_command"}""")]
    [InlineData("""{"type":"track","messageId":"m2","userId":null,"anonymousId":"   ","event":"cli_command"}""")]
    public async Task Track_EmptyOrBlankIds_Returns400MissingIdentity(string body)
    {
        var response = await _server.PostAsync("/v1/track", body);

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "missing_identity");
        Assert.Contains("userId", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("anonymous_id:   "));
    }

    [Fact]
    public async Task BatchItem_EmptyUserId_IsRejectedAlone()
    {
        var user = NewId("user");
        var body = $$$"""
            {"batch":[{"type":"track","messageId":"m3","userId":"{{{user}}}","event":"ok"},
                      {"type":"track","messageId":"m4","userId":"","event":"bad"}]}
            """;

        var response = await _server.PostAsync("/v1/batch", body);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var rejected = Assert.Single((await JsonAssert.ReadAsync(response)).GetProperty("rejected").EnumerateArray());
        Assert.Equal(1, rejected.GetProperty("index").GetInt32());
        Assert.Equal("missing_identity", rejected.GetProperty("code").GetString());
        var stored = Assert.Single(await _server.GetEventsAsync("user_id:" + user));
        Assert.Equal("m3", stored.GetProperty("messageId").GetString());
    }

    [Fact]
    public async Task Track_TimestampWeeksAhead_IsClamped()
    {
        var day = _clock.AdvanceToNextDay("00:08:55.000");
        var later = DateOnly.ParseExact(day, "yyyy-MM-dd").AddDays(14).ToString("yyyy-MM-dd");
        var anonymous = NewId("anon");
        var body = $$$"""
            {"type":"track","messageId":"m1","anonymousId":"{{{anonymous}}}","userId":"[id1,id2,id3]-{{{anonymous}}}",
             "event":"open","sentAt":"{{{day}}}T00:08:54.551Z","timestamp":"{{{later}}}T11:36:12.799Z"}
            """;

        var response = await _server.PostAsync("/v1/track", body);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = await _server.GetSingleEventAsync("anonymous_id:" + anonymous);
        Assert.Equal($"{day}T00:08:55.000Z", stored.GetProperty("timestamp").GetString());
        Assert.Equal($"{later}T11:36:12.799Z", stored.GetProperty("originalTimestamp").GetString());
        var warning = Assert.Single(stored.Warnings());
        Assert.Equal("timestamp_in_future", warning.GetProperty("code").GetString());
        Assert.Equal($"{later}T11:36:13.248Z", warning.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Track_BracketedUserId_IsOneOpaqueId()
    {
        var user = $"[id1,id2,{NewId("id3")}]";

        var response = await _server.PostAsync("/v1/track", $$$"""{"type":"track","userId":"{{{user}}}","event":"open"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = await _server.GetSingleEventAsync("user_id:" + user);
        Assert.Equal(user, stored.GetProperty("userId").GetString());
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:id1"));
    }

    [Theory]
    [InlineData("Z", "", "+05:30")]
    [InlineData("", "Z", "+05:30")]
    public async Task Batch_TimestampsWithoutZone_AreReadAsUtc(string sentAtZone, string firstZone, string secondZone)
    {
        var day = _clock.AdvanceToNextDay("12:00:03.000");
        var anonymous = NewId("anon");
        var body = $$$"""
            {"sentAt":"{{{day}}}T12:00:00.000{{{sentAtZone}}}",
             "batch":[
               {"type":"track","messageId":"m1","anonymousId":"{{{anonymous}}}","event":"A","timestamp":"{{{day}}}T11:59:50{{{firstZone}}}"},
               {"type":"track","messageId":"m2","anonymousId":"{{{anonymous}}}","event":"B","timestamp":"{{{day}}}T11:59:50{{{secondZone}}}"}]}
            """;

        var response = await _server.PostAsync("/v1/batch", body);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = (await _server.GetEventsAsync("anonymous_id:" + anonymous)).ToDictionary(e => e.GetProperty("event").GetString()!);
        Assert.Equal($"{day}T11:59:53.000Z", stored["A"].GetProperty("timestamp").GetString());
        Assert.Equal($"{day}T06:29:53.000Z", stored["B"].GetProperty("timestamp").GetString());
        Assert.Contains(stored["A"].Warnings(), w => w.GetProperty("code").GetString() == "timestamp_without_zone");
    }

    [Fact]
    public async Task Track_TimestampYesterday_IsAcceptedAtServerTime()
    {
        var day = _clock.AdvanceToNextDay("12:00:03.000");
        var anonymous = NewId("anon");

        var response = await _server.PostAsync("/v1/track",
            $$$"""{"type":"track","anonymousId":"{{{anonymous}}}","event":"A","timestamp":"yesterday"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = await _server.GetSingleEventAsync("anonymous_id:" + anonymous);
        Assert.Equal($"{day}T12:00:03.000Z", stored.GetProperty("timestamp").GetString());
        var warning = Assert.Single(stored.Warnings());
        Assert.Equal("timestamp_unparseable", warning.GetProperty("code").GetString());
        Assert.Equal("yesterday", warning.GetProperty("value").GetString());
    }

    [Fact]
    public async Task Identify_NulInTraits_IsRemoved()
    {
        var user = NewId("user");
        var body = $$$"""
            {"type":"identify","messageId":"m1","userId":"{{{user}}}",
             "traits":{"nickname":"ab\u0000cd","company":{"name":"Acme\u0000"},"k\u0000ey":"v"}}
            """;

        var response = await _server.PostAsync("/v1/identify", body);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var traits = await _server.GetTraitsAsync("user_id:" + user);
        Assert.Equal("abcd", traits.GetProperty("nickname").GetString());
        Assert.Equal("Acme", traits.GetProperty("company").GetProperty("name").GetString());
        Assert.Equal("v", traits.GetProperty("key").GetString());
        var stored = (await _server.GetSingleEventAsync("user_id:" + user)).GetProperty("traits");
        Assert.Equal("abcd", stored.GetProperty("nickname").GetString());
        Assert.True(stored.TryGetProperty("key", out _));
    }

    [Fact]
    public async Task Track_EmojiAndLoneSurrogate_AreStoredCleanly()
    {
        var user = NewId("user");
        var body = Encoding.UTF8.GetBytes($$$"""
            {"type":"track","messageId":"m1","userId":"{{{user}}}","event":"Search Result Tapped",
             "properties":{"meal":"000🍔","escaped":"\ud83c\udf54","lone":"x\ud83c","rtl":"שלום","zwj":"👨‍💻"}}
            """);

        var response = await _server.SendAsync(Post("/v1/track", body).WithWriteKey(_server.WriteKey));

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var properties = (await _server.GetSingleEventAsync("user_id:" + user)).GetProperty("properties");
        Assert.Equal("000🍔", properties.GetProperty("meal").GetString());
        Assert.Equal("🍔", properties.GetProperty("escaped").GetString());
        Assert.Equal("x\uFFFD", properties.GetProperty("lone").GetString());
        Assert.Equal("שלום", properties.GetProperty("rtl").GetString());
        Assert.Equal("👨\u200d💻", properties.GetProperty("zwj").GetString());
    }

    [Fact]
    public async Task Identify_NullTraitsObject_KeepsTraits()
    {
        var user = NewId("user");
        string[] bodies =
        [
            $$$"""{"type":"identify","messageId":"m1","userId":"{{{user}}}","traits":{"plan":"pro","foo":"x"}}""",
            $$$"""{"type":"identify","messageId":"m2","userId":"{{{user}}}","traits":{"plan":null}}""",
            $$$"""{"type":"identify","messageId":"m3","userId":"{{{user}}}","traits":null}""",
            $$$"""{"type":"identify","messageId":"m4","userId":"{{{user}}}"}""",
        ];

        foreach (var body in bodies)
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, await _server.PostAsync("/v1/identify", body));
        }

        var traits = await _server.GetTraitsAsync("user_id:" + user);
        Assert.Equal(JsonValueKind.Null, traits.GetProperty("plan").ValueKind);
        Assert.Equal("x", traits.GetProperty("foo").GetString());
        Assert.Equal(4, (await _server.GetEventsAsync("user_id:" + user)).Length);
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData(null)]
    public async Task Batch_GzipWithOrWithoutHeader_StoresThreeEvents(string? contentEncoding)
    {
        var user = NewId("user");
        var request = Post("/v1/batch", Gzip(ThreeEventBatch(user))).WithWriteKey(_server.WriteKey);
        if (contentEncoding is not null)
        {
            request.WithHeader("Content-Encoding", contentEncoding);
        }

        var response = await _server.SendAsync(request);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal(3, (await _server.GetEventsAsync("user_id:" + user)).Length);
    }

    [Fact]
    public async Task Batch_GzipTruncatedToHalf_Returns400InvalidGzip()
    {
        var user = NewId("user");
        var compressed = Gzip(ThreeEventBatch(user));
        var request = Post("/v1/batch", compressed[..(compressed.Length / 2)])
            .WithWriteKey(_server.WriteKey)
            .WithHeader("Content-Encoding", "gzip");

        var response = await _server.SendAsync(request);

        await response.ReadErrorAsync(HttpStatusCode.BadRequest, "invalid_gzip");
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task Batch_Gzip50MBOfSpaces_Returns400()
    {
        var user = NewId("user");
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
        {
            gzip.Write(Encoding.UTF8.GetBytes($$$"""{"batch":[{"type":"track","userId":"{{{user}}}","event":"E","properties":{"s":" """));
            var block = new byte[1024 * 1024];
            Array.Fill(block, (byte)' ');
            for (var i = 0; i < 50; i++)
            {
                gzip.Write(block);
            }

            gzip.Write("\"}}]}"u8);
        }

        var request = Post("/v1/batch", output.ToArray()).WithWriteKey(_server.WriteKey).WithHeader("Content-Encoding", "gzip");

        var response = await _server.SendAsync(request);

        await response.ReadErrorAsync(HttpStatusCode.BadRequest, "batch_too_large");
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task TextPlainBody_WithBodyWriteKey_IsAccepted()
    {
        var anonymous = NewId("anon");
        var message = $$$"""
            {"type":"track","messageId":"m1","anonymousId":"{{{anonymous}}}","event":"Clicked","writeKey":"{{{_server.WriteKey}}}",
             "sentAt":"2024-03-01T12:00:00Z"}
            """;
        var batch = $$$"""{"batch":[{{{message}}}],"writeKey":"{{{_server.WriteKey}}}"}""";

        var single = await _server.SendAsync(Post("/v1/t", message, "text/plain;charset=UTF-8"));
        var textBatch = await _server.SendAsync(Post("/v1/batch", batch, "text/plain"));
        var untypedBatch = await _server.SendAsync(Post("/v1/batch", batch, contentType: null));

        await JsonAssert.StatusAsync(HttpStatusCode.OK, single);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, textBatch);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, untypedBatch);
        Assert.Single(await _server.GetEventsAsync("anonymous_id:" + anonymous));
    }

    [Theory]
    [InlineData("/v1/t", "track")]
    [InlineData("/v1/i", "identify")]
    [InlineData("/v1/p", "page")]
    [InlineData("/v1/s", "screen")]
    [InlineData("/v1/g", "group")]
    [InlineData("/v1/a", "alias")]
    [InlineData("/v1/b", null)]
    public async Task ShortPath_TextPlainWithBodyWriteKey_IsAccepted(string path, string? type)
    {
        var user = NewId("user");
        var fields = $$$"""
            "userId":"{{{user}}}","event":"Clicked","groupId":"g1","previousId":"p-{{{user}}}"
            """;
        var body = type is null
            ? $$$"""{"writeKey":"{{{_server.WriteKey}}}","batch":[{"type":"track",{{{fields}}}}]}"""
            : $$$"""{"type":"{{{type}}}","writeKey":"{{{_server.WriteKey}}}",{{{fields}}}}""";

        var response = await _server.SendAsync(Post(path, body, "text/plain"));

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal(type ?? "track", (await _server.GetSingleEventAsync("user_id:" + user)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task TextPlain_NotJson_Returns400InvalidJson()
    {
        var response = await _server.SendAsync(Post("/v1/t", "event=Clicked&writeKey=x", "text/plain"));

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "invalid_json");
        Assert.Contains("JSON", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodyWriteKey_Alone_DecidesSource()
    {
        var user = NewId("user");
        var sourceA = await _server.CreateSourceAsync("body-key-a");

        var response = await _server.SendAsync(Post("/v1/track",
            $$$"""{"writeKey":"{{{sourceA.WriteKey}}}","type":"track","messageId":"m1","userId":"{{{user}}}","event":"E"}"""));

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = await _server.GetSingleEventAsync("user_id:" + user);
        Assert.Equal(sourceA.Id, stored.GetProperty("source_id").GetString());
        Assert.False(stored.TryGetProperty("writeKey", out _));
    }

    [Fact]
    public async Task BatchItemWriteKey_IsIgnored()
    {
        var user = NewId("user");
        var sourceA = await _server.CreateSourceAsync("batch-key-a");
        var sourceB = await _server.CreateSourceAsync("batch-key-b");
        var body = $$$"""
            {"writeKey":"{{{sourceA.WriteKey}}}","batch":[
              {"type":"track","messageId":"m2","userId":"{{{user}}}","event":"E"},
              {"type":"track","messageId":"m3","userId":"{{{user}}}","event":"E","writeKey":"{{{sourceB.WriteKey}}}"}]}
            """;

        var response = await _server.SendAsync(Post("/v1/batch", body));

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = await _server.GetEventsAsync("user_id:" + user);
        Assert.Equal(2, stored.Length);
        Assert.All(stored, e => Assert.Equal(sourceA.Id, e.GetProperty("source_id").GetString()));
        Assert.All(stored, e => Assert.False(e.TryGetProperty("writeKey", out _)));
    }

    [Fact]
    public async Task HeaderWriteKey_WinsOverBodyKey()
    {
        var user = NewId("user");
        var sourceA = await _server.CreateSourceAsync("header-key-a");
        var sourceB = await _server.CreateSourceAsync("body-key-b");
        var body = $$$"""{"writeKey":"{{{sourceB.WriteKey}}}","type":"track","messageId":"m4","userId":"{{{user}}}","event":"E"}""";

        var response = await _server.SendAsync(Post("/v1/track", body).WithWriteKey(sourceA.WriteKey));

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = Assert.Single(await _server.GetEventsAsync("user_id:" + user));
        Assert.Equal(sourceA.Id, stored.GetProperty("source_id").GetString());
    }

    [Fact]
    public async Task NoWriteKeyAnywhere_Returns401NothingStored()
    {
        var user = NewId("user");

        var response = await _server.SendAsync(Post("/v1/track", $$$"""{"type":"track","userId":"{{{user}}}","event":"E"}"""));

        await response.ReadErrorAsync(HttpStatusCode.Unauthorized, "missing_write_key");
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task UnknownBodyWriteKey_Returns401NothingStored()
    {
        var user = NewId("user");
        var body = $$$"""{"writeKey":"wk_unknown_{{{Guid.NewGuid():N}}}","type":"track","userId":"{{{user}}}","event":"E"}""";

        var response = await _server.SendAsync(Post("/v1/track", body));

        await response.ReadErrorAsync(HttpStatusCode.Unauthorized, "invalid_write_key");
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task BrowserPreflight_AnyOrigin_IsAllowed()
    {
        var user = NewId("user");
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/batch");
        preflight.Headers.Add("Origin", "https://shop.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "content-type, authorization");
        var post = Post("/v1/batch", $$$"""{"batch":[{"type":"track","userId":"{{{user}}}","event":"E"}]}""")
            .WithWriteKey(_server.WriteKey)
            .WithHeader("Origin", "https://shop.example");

        var preflightResponse = await _server.SendAsync(preflight);
        var postResponse = await _server.SendAsync(post);

        Assert.Equal(HttpStatusCode.NoContent, preflightResponse.StatusCode);
        Assert.Equal("*", preflightResponse.Header("Access-Control-Allow-Origin"));
        Assert.Contains("POST", preflightResponse.Header("Access-Control-Allow-Methods") ?? string.Empty, StringComparison.Ordinal);
        Assert.Contains("authorization", preflightResponse.Header("Access-Control-Allow-Headers") ?? string.Empty,
            StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(preflightResponse.Header("Access-Control-Max-Age"));
        Assert.Null(preflightResponse.Header("Access-Control-Allow-Credentials"));
        await JsonAssert.StatusAsync(HttpStatusCode.OK, postResponse);
        Assert.Equal("*", postResponse.Header("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task UnloadBatches_ReplayedOnNextPage_StoredOnce()
    {
        var anonymous = NewId("anon");
        var source = await _server.CreateSourceAsync("unload-replay");
        var day = _clock.AdvanceToNextDay("12:00:00.000");
        var batches = Enumerable.Range(0, 3)
            .Select(b => UnloadBatch(source.WriteKey, anonymous, day, b * 40 + 1, $"{day}T11:59:59.000Z"))
            .ToArray();

        // The first two are sent with keepalive and their response bodies are never read.
        foreach (var batch in batches[..2])
        {
            using var request = Post("/v1/batch", batch, "text/plain");
            using var response = await _server.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        // The third is cut off: its response reaches the socket, but the page is gone before reading it.
        await SendAndDropConnectionAsync("/v1/batch", batches[2]);
        var firstReceivedAt = TimestampOf(_clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromSeconds(5));
        var replay = UnloadBatch(source.WriteKey, anonymous, day, 81, $"{day}T12:00:04.000Z");
        var replayResponse = await _server.SendAsync(Post("/v1/batch", replay, "text/plain"));

        await JsonAssert.StatusAsync(HttpStatusCode.OK, replayResponse);
        var counts = await _server.WaitForCountsAsync(source.Id, c => c.GetProperty("duplicates").GetInt64() >= 40);
        Assert.Equal(120, counts.GetProperty("accepted").GetInt64());
        Assert.Equal(40, counts.GetProperty("duplicates").GetInt64());
        var stored = await _server.GetEventsAsync("anonymous_id:" + anonymous);
        Assert.Equal(stored.Length, stored.Select(e => e.GetProperty("messageId").GetString()).Distinct().Count());
        var replayed = stored.Where(e => int.Parse(e.GetProperty("messageId").GetString()!.Split('-')[^1]) > 80).ToArray();
        Assert.Equal(40, replayed.Length);
        Assert.All(replayed, e => Assert.Equal(firstReceivedAt, e.GetProperty("receivedAt").GetString()));
        Assert.All(replayed, e => Assert.Equal(CorrectedTimestamp(e), e.GetProperty("timestamp").GetString()));
    }

    /// <summary>Returns a batch of 20 tracks with a 27,000-character note each and messageIds from <paramref name="numbers"/>.</summary>
    private static string NotesBatch(string user, IEnumerable<int> numbers)
    {
        var note = new string('n', 27_000);
        var items = numbers.Select(n =>
            $$$"""{"type":"track","messageId":"{{{user}}}-{{{n}}}","userId":"{{{user}}}","event":"Note","properties":{"note":"{{{note}}}"}}""");
        return "{\"batch\":[" + string.Join(",", items) + "]}";
    }

    private static string ThreeEventBatch(string user) => $$$"""
        {"batch":[{"type":"track","userId":"{{{user}}}","event":"One"},{"type":"track","userId":"{{{user}}}","event":"Two"},
                  {"type":"track","userId":"{{{user}}}","event":"Three"}]}
        """;

    /// <summary>
    /// Returns a batch of 40 page-unload tracks, about 20 KB, numbered from <paramref name="first"/>, with the
    /// write key in the body as navigator.sendBeacon senders put it. Message n is called n seconds after 11:57.
    /// </summary>
    private static string UnloadBatch(string writeKey, string anonymous, string day, int first, string sentAt)
    {
        var padding = new string('p', 400);
        var start = DateTimeOffset.Parse($"{day}T11:57:00Z", System.Globalization.CultureInfo.InvariantCulture);
        var items = Enumerable.Range(first, 40).Select(n => $$$"""
            {"type":"track","messageId":"{{{anonymous}}}-{{{n}}}","anonymousId":"{{{anonymous}}}","event":"Scrolled",
             "timestamp":"{{{TimestampOf(start.AddSeconds(n))}}}","properties":{"padding":"{{{padding}}}"}}
            """);
        return $$$"""{"writeKey":"{{{writeKey}}}","sentAt":"{{{sentAt}}}","batch":[{{{string.Join(",", items)}}}]}""";
    }

    /// <summary>
    /// Sends a request over a raw connection, waits until the response arrives in the socket, and closes the
    /// connection without reading it.
    /// </summary>
    private async Task SendAndDropConnectionAsync(string path, string body)
    {
        var content = Encoding.UTF8.GetBytes(body);
        var head = $"POST {path} HTTP/1.1\r\nHost: {_server.BaseAddress.Authority}\r\nContent-Type: text/plain\r\n" +
            $"Content-Length: {content.Length}\r\n\r\n";
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, _server.BaseAddress.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(head));
        await socket.SendAsync(content);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (socket.Available == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.True(socket.Available > 0, "The gateway did not respond within 10 seconds.");
        socket.Close(timeout: 0);
    }

    private static string CorrectedTimestamp(JsonElement stored)
    {
        var receivedAt = DateTimeOffset.Parse(stored.GetProperty("receivedAt").GetString()!);
        var sentAt = DateTimeOffset.Parse(stored.GetProperty("sentAt").GetString()!);
        var original = DateTimeOffset.Parse(stored.GetProperty("originalTimestamp").GetString()!);
        return TimestampOf(receivedAt - (sentAt - original));
    }

    private static string TimestampOf(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
}
