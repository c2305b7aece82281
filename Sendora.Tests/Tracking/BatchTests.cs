using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;
using static Sendora.Tests.Tracking.TrackingTestExtensions;

namespace Sendora.Tests.Tracking;

/// <summary>
/// A batch keeps its valid messages and lists the others by index. Rejected messages are kept per
/// source with their reason.
/// </summary>
[Collection(SendoraCollection.Name)]
public sealed class BatchTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task Batch_SomeInvalid_StoresValidAndListsRejected()
    {
        var user = NewId("partial");
        var body = $$$"""
            {"batch":[
              {"type":"track","userId":"{{{user}}}","event":"Kept 0"},
              {"type":"track","userId":"{{{user}}}"},
              {"type":"identify","userId":"{{{user}}}","traits":{"plan":"pro"}},
              {"type":"group","userId":"{{{user}}}"},
              {"type":"track","event":"No identity"}]}
            """;

        var response = await _server.PostAsync("/v1/batch", body);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var result = await JsonAssert.ReadAsync(response);
        Assert.True(result.GetProperty("success").GetBoolean());
        var rejected = result.GetProperty("rejected").EnumerateArray().ToArray();
        Assert.Equal([1, 3, 4], rejected.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal(["missing_event", "missing_group_id", "missing_identity"], rejected.Select(r => r.GetProperty("code").GetString()));
        Assert.All(rejected, r => Assert.False(string.IsNullOrWhiteSpace(r.GetProperty("message").GetString())));
        var stored = await _server.GetEventsAsync("user_id:" + user);
        Assert.Equal(["identify", "track"], stored.Select(e => e.GetProperty("type").GetString()).Order());
    }

    [Fact]
    public async Task Batch_AllValid_AnswersWithoutRejectedList()
    {
        var user = NewId("all-valid");

        var response = await _server.PostAsync("/v1/batch", $$$"""{"batch":[{"type":"track","userId":"{{{user}}}","event":"E"}]}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var result = await JsonAssert.ReadAsync(response);
        Assert.True(result.GetProperty("success").GetBoolean());
        Assert.False(result.TryGetProperty("rejected", out _));
    }

    [Fact]
    public async Task Batch_NoValidMessage_Returns400WithRejectedList()
    {
        var user = NewId("none-valid");
        var body = $$$"""{"batch":[{"type":"track","userId":"{{{user}}}"},{"type":"alias","userId":"{{{user}}}"}]}""";

        var response = await _server.PostAsync("/v1/batch", body);

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "all_rejected");
        var rejected = error.GetProperty("rejected").EnumerateArray().ToArray();
        Assert.Equal([0, 1], rejected.Select(r => r.GetProperty("index").GetInt32()));
        Assert.Equal(["missing_event", "missing_previous_id"], rejected.Select(r => r.GetProperty("code").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Theory]
    [InlineData("42")]
    [InlineData("\"track\"")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("true")]
    public async Task BatchItem_NotAnObject_IsOneRejectedItem(string item)
    {
        var user = NewId("non-object");
        var body = $$$"""{"batch":[{"type":"track","userId":"{{{user}}}","event":"E"},{{{item}}}]}""";

        var response = await _server.PostAsync("/v1/batch", body);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var rejected = Assert.Single((await JsonAssert.ReadAsync(response)).GetProperty("rejected").EnumerateArray());
        Assert.Equal(1, rejected.GetProperty("index").GetInt32());
        Assert.Equal("invalid_message", rejected.GetProperty("code").GetString());
        Assert.Single(await _server.GetEventsAsync("user_id:" + user));
    }

    [Fact]
    public async Task Batch_Empty_Returns400()
    {
        var response = await _server.PostAsync("/v1/batch", """{"batch":[]}""");

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "empty_batch");
        Assert.Contains("\"batch\"", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"messages":[]}""")]
    [InlineData("""{"batch":{"type":"track"}}""")]
    [InlineData("""{"batch":null}""")]
    public async Task Batch_WithoutBatchArray_Returns400(string body)
    {
        var response = await _server.PostAsync("/v1/batch", body);

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "invalid_batch");
        Assert.Contains("\"batch\"", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BatchRejections_AreKeptPerSourceWithReason()
    {
        var user = NewId("kept");
        var source = await _server.CreateSourceAsync("rejections-batch");
        var body = $$$"""
            {"batch":[{"type":"track","userId":"{{{user}}}","event":"E"},{"type":"track","userId":"{{{user}}}","properties":{"k":1}}]}
            """;

        await JsonAssert.StatusAsync(HttpStatusCode.OK, await _server.PostAsync("/v1/batch", body, source.WriteKey));

        var sourceId = await _server.GetSourceIdAsync(source.WriteKey);
        var rejection = Assert.Single(await _server.GetRejectionsAsync(sourceId));
        Assert.Equal("/v1/batch", rejection.GetProperty("path").GetString());
        Assert.Equal(1, rejection.GetProperty("index").GetInt32());
        Assert.Equal("missing_event", rejection.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(rejection.GetProperty("message").GetString()));
        using var message = JsonDocument.Parse(rejection.GetProperty("body").GetString()!);
        Assert.Equal(user, message.RootElement.GetProperty("userId").GetString());
        Assert.Equal(1, message.RootElement.GetProperty("properties").GetProperty("k").GetInt32());
    }

    [Fact]
    public async Task SingleMessageRejection_IsKeptPerSource()
    {
        var user = NewId("kept");
        var source = await _server.CreateSourceAsync("rejections-single");

        await _server.PostAsync("/v1/group", $$$"""{"userId":"{{{user}}}"}""", source.WriteKey);

        var rejection = Assert.Single(await _server.GetRejectionsAsync(source.Id));
        Assert.Equal("/v1/group", rejection.GetProperty("path").GetString());
        Assert.Equal("missing_group_id", rejection.GetProperty("code").GetString());
        Assert.Contains(user, rejection.GetProperty("body").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestRejection_IsKeptPerSource()
    {
        var source = await _server.CreateSourceAsync("rejections-request");

        await _server.PostAsync("/v1/batch", """{"batch":[{"type":"track",""", source.WriteKey);

        var rejection = Assert.Single(await _server.GetRejectionsAsync(source.Id));
        Assert.Equal("invalid_json", rejection.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, rejection.GetProperty("index").ValueKind);
        Assert.Equal("""{"batch":[{"type":"track",""", rejection.GetProperty("body").GetString());
    }

    [Fact]
    public async Task TooLargeRejection_KeepsStartAndSize()
    {
        var source = await _server.CreateSourceAsync("rejections-too-large");
        var body = $$$"""{"userId":"big","event":"E","properties":{"pad":"{{{new string('x', 40_000)}}}"}}""";

        await _server.PostAsync("/v1/track", body, source.WriteKey);

        var rejection = Assert.Single(await _server.GetRejectionsAsync(source.Id));
        Assert.Equal("message_too_large", rejection.GetProperty("code").GetString());
        Assert.Equal(body.Length, rejection.GetProperty("sizeBytes").GetInt32());
        Assert.True(rejection.GetProperty("truncated").GetBoolean());
        Assert.StartsWith("""{"userId":"big","event":"E",""", rejection.GetProperty("body").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GzipTooLargeRejection_KeepsDecompressedStart()
    {
        var source = await _server.CreateSourceAsync("rejections-gzip-large");
        var items = string.Join(",", Enumerable.Range(0, 2_000).Select(i =>
            $$$"""{"type":"track","userId":"u{{{i}}}","event":"Padded","properties":{"pad":"{{{new string('y', 300)}}}"}}"""));
        var json = $$$"""{"batch":[{{{items}}}]}""";

        await _server.SendAsync(Post("/v1/batch", Gzip(json)).WithWriteKey(source.WriteKey).WithHeader("Content-Encoding", "gzip"));

        var rejection = Assert.Single(await _server.GetRejectionsAsync(source.Id));
        Assert.Equal("batch_too_large", rejection.GetProperty("code").GetString());
        Assert.Equal(json.Length, rejection.GetProperty("sizeBytes").GetInt32());
        Assert.StartsWith("""{"batch":[{"type":"track","userId":"u0",""", rejection.GetProperty("body").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batch_LoneSurrogateKey_KeepsEveryItem()
    {
        var user = NewId("surrogate");
        var source = await _server.CreateSourceAsync("rejections-surrogate");
        var body = $$$"""
            {"batch":[{"type":"track","userId":"{{{user}}}","event":"Good1"},
             {"type":"track","userId":"{{{user}}}","event":"Bad","\ud800":{"a":1}},
             {"type":"track","userId":"{{{user}}}","event":"Good2"}]}
            """;

        var response = await _server.PostAsync("/v1/batch", body, source.WriteKey);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var events = await _server.GetEventsAsync("user_id:" + user);
        Assert.Equal(3, events.Length);
        Assert.Empty(await _server.GetRejectionsAsync(source.Id));
    }

    [Fact]
    public async Task Rejections_CountedInSourceCounts()
    {
        var user = NewId("kept");
        var source = await _server.CreateSourceAsync("rejections-counted");
        var body = $$$"""{"batch":[{"type":"track","userId":"{{{user}}}","event":"E"},{"type":"track","userId":"{{{user}}}"}]}""";

        await _server.PostAsync("/v1/batch", body, source.WriteKey);

        var counts = await _server.WaitForCountsAsync(source.Id, c => c.GetProperty("accepted").GetInt64() >= 1);
        Assert.Equal(1, counts.GetProperty("accepted").GetInt64());
        Assert.Equal(1, counts.GetProperty("rejected").GetInt64());
        Assert.Equal(1, counts.GetProperty("rejectedByCode").GetProperty("missing_event").GetInt64());
    }
}
