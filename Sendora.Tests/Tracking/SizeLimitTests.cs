using System.Net;
using System.Text;
using Sendora.Tests.Infrastructure;
using static Sendora.Tests.Tracking.TrackingTestExtensions;

namespace Sendora.Tests.Tracking;

/// <summary>
/// The size limits, counted in bytes of the decompressed body: 32,768 per message, 512,000 per batch
/// request, and 2,500 messages per batch.
/// </summary>
[Collection(SendoraCollection.Name)]
public sealed class SizeLimitTests(SendoraFixture fixture)
{
    private const int MaxMessageBytes = 32_768;
    private const int MaxBatchBytes = 512_000;
    private const int MaxBatchMessages = 2_500;

    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task Message_Exactly32768Bytes_IsAccepted()
    {
        var user = NewId("size");
        var body = MessageOfSize(user, MaxMessageBytes);

        var response = await _server.PostAsync("/v1/track", body);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Single(await _server.GetEventsAsync("user_id:" + user));
    }

    [Fact]
    public async Task Message_32769Bytes_Returns400AndStoresNothing()
    {
        var user = NewId("size");
        var body = MessageOfSize(user, MaxMessageBytes + 1);

        var response = await _server.PostAsync("/v1/track", body);

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "message_too_large");
        Assert.Contains("32768", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task Message_GzipDecompressedTo32769Bytes_Returns400()
    {
        var user = NewId("size-gzip");
        var compressed = Gzip(MessageOfSize(user, MaxMessageBytes + 1));
        var request = Post("/v1/track", compressed).WithWriteKey(_server.WriteKey).WithHeader("Content-Encoding", "gzip");

        var response = await _server.SendAsync(request);

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "message_too_large");
        Assert.Contains("32768", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task BatchItem_Exactly32768Bytes_IsAccepted()
    {
        var user = NewId("item-size");
        var body = $$$"""{"batch":[{{{MessageOfSize(user, MaxMessageBytes, "track")}}}]}""";

        var response = await _server.PostAsync("/v1/batch", body);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Single(await _server.GetEventsAsync("user_id:" + user));
    }

    [Fact]
    public async Task BatchItem_32769Bytes_IsRejectedAlone()
    {
        var small = NewId("item-size");
        var large = NewId("item-size");
        var body = $$$"""
            {"batch":[{"type":"track","userId":"{{{small}}}","event":"E"},{{{MessageOfSize(large, MaxMessageBytes + 1, "track")}}}]}
            """;

        var response = await _server.PostAsync("/v1/batch", body);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var rejected = Assert.Single((await JsonAssert.ReadAsync(response)).GetProperty("rejected").EnumerateArray());
        Assert.Equal(1, rejected.GetProperty("index").GetInt32());
        Assert.Equal("message_too_large", rejected.GetProperty("code").GetString());
        Assert.Contains("32768", rejected.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single(await _server.GetEventsAsync("user_id:" + small));
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + large));
    }

    [Fact]
    public async Task Batch_Exactly512000Bytes_IsAccepted()
    {
        var (body, users) = BatchOfSize(MaxBatchBytes);

        var response = await _server.PostAsync("/v1/batch", body);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        foreach (var user in users)
        {
            Assert.Single(await _server.GetEventsAsync("user_id:" + user));
        }
    }

    [Fact]
    public async Task Batch_512001Bytes_Returns400AndStoresNothing()
    {
        var (body, users) = BatchOfSize(MaxBatchBytes + 1);

        var response = await _server.PostAsync("/v1/batch", body);

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "batch_too_large");
        Assert.Contains("512000", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        foreach (var user in users)
        {
            Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
        }
    }

    [Fact]
    public async Task Batch_GzipDecompressedTo512001Bytes_Returns400()
    {
        var (body, users) = BatchOfSize(MaxBatchBytes + 1);
        var request = Post("/v1/batch", Gzip(body)).WithWriteKey(_server.WriteKey).WithHeader("Content-Encoding", "gzip");

        var response = await _server.SendAsync(request);

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "batch_too_large");
        Assert.Contains("512000", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + users[0]));
    }

    [Fact]
    public async Task Batch_2500Messages_IsAccepted()
    {
        var user = NewId("count");
        var source = await _server.CreateSourceAsync("batch-count-source");

        var response = await _server.PostAsync("/v1/batch", BatchOfCount(user, MaxBatchMessages), source.WriteKey);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var counts = await _server.WaitForCountsAsync(source.Id, c => c.GetProperty("accepted").GetInt64() >= MaxBatchMessages);
        Assert.Equal(MaxBatchMessages, counts.GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task Batch_2501Messages_Returns400AndStoresNothing()
    {
        var user = NewId("count");

        var response = await _server.PostAsync("/v1/batch", BatchOfCount(user, MaxBatchMessages + 1));

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "too_many_messages");
        Assert.Contains("2500", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    /// <summary>Returns a compact track message of exactly <paramref name="size"/> UTF-8 bytes.</summary>
    private static string MessageOfSize(string user, int size, string? type = null)
    {
        var typeField = type is null ? string.Empty : $"\"type\":\"{type}\",";
        var template = $$$"""{{{{typeField}}}"userId":"{{{user}}}","event":"Large","properties":{"pad":"{0}"}}""";
        var padding = size - Encoding.UTF8.GetByteCount(template.Replace("{0}", string.Empty, StringComparison.Ordinal));
        var message = template.Replace("{0}", new string('a', padding), StringComparison.Ordinal);
        Assert.Equal(size, Encoding.UTF8.GetByteCount(message));
        return message;
    }

    /// <summary>Returns a batch body of exactly <paramref name="size"/> bytes, one user per message.</summary>
    private static (string Body, string[] Users) BatchOfSize(int size)
    {
        const string Prefix = "{\"batch\":[";
        const string Suffix = "]}";
        const int ItemSize = 31_000;
        var users = new List<string>();
        var items = new List<string>();
        var used = Prefix.Length + Suffix.Length;
        while (used + 1 + ItemSize < size)
        {
            var user = NewId("batch-size");
            users.Add(user);
            items.Add(MessageOfSize(user, ItemSize, "track"));
            used += ItemSize + (items.Count > 1 ? 1 : 0);
        }

        var last = NewId("batch-size");
        users.Add(last);
        items.Add(MessageOfSize(last, size - used - 1, "track"));
        var body = Prefix + string.Join(",", items) + Suffix;
        Assert.Equal(size, Encoding.UTF8.GetByteCount(body));
        return (body, [.. users]);
    }

    private static string BatchOfCount(string user, int count)
    {
        var items = Enumerable.Range(0, count)
            .Select(i => $$$"""{"type":"track","userId":"{{{user}}}","event":"Counted","messageId":"{{{user}}}-{{{i}}}"}""");
        return "{\"batch\":[" + string.Join(",", items) + "]}";
    }
}
