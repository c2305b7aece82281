using System.Net;
using System.Text;
using Sendora.Tests.Infrastructure;
using static Sendora.Tests.Tracking.TrackingTestExtensions;

namespace Sendora.Tests.Tracking;

/// <summary>How the gateway reads bodies: JSON whatever the Content-Type, and gzip with or without its header.</summary>
[Collection(SendoraCollection.Name)]
public sealed class RequestBodyTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain;charset=UTF-8")]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task SingleMessage_AnyContentType_IsParsedAsJson(string? contentType)
    {
        var user = NewId("content-type");
        var request = Post("/v1/track", $$$"""{"userId":"{{{user}}}","event":"Clicked"}""", contentType)
            .WithWriteKey(_server.WriteKey);

        var response = await _server.SendAsync(request);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal("Clicked", (await _server.GetSingleEventAsync("user_id:" + user)).GetProperty("event").GetString());
    }

    [Theory]
    [InlineData("application/json")]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task Batch_AnyContentType_IsParsedAsJson(string? contentType)
    {
        var user = NewId("content-type");
        var body = $$$"""{"batch":[{"type":"track","userId":"{{{user}}}","event":"Clicked"}]}""";

        var response = await _server.SendAsync(Post("/v1/batch", body, contentType).WithWriteKey(_server.WriteKey));

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Single(await _server.GetEventsAsync("user_id:" + user));
    }

    [Fact]
    public async Task Success_IsJsonSuccessTrue()
    {
        var user = NewId("success");

        var response = await _server.PostAsync("/v1/identify", $$$"""{"userId":"{{{user}}}"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await JsonAssert.ReadAsync(response)).GetProperty("success").GetBoolean());
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("x-gzip")]
    public async Task GzipBody_WithContentEncoding_IsDecompressed(string encoding)
    {
        var user = NewId("gzip");
        var body = Gzip(BatchOfThree(user));
        var request = Post("/v1/batch", body).WithWriteKey(_server.WriteKey).WithHeader("Content-Encoding", encoding);

        var response = await _server.SendAsync(request);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal(3, (await _server.GetEventsAsync("user_id:" + user)).Length);
    }

    [Fact]
    public async Task GzipBody_WithoutHeader_IsDecompressed()
    {
        var user = NewId("gzip-magic");
        var body = Gzip(BatchOfThree(user));
        Assert.Equal([0x1f, 0x8b], body[..2]);

        var response = await _server.SendAsync(Post("/v1/batch", body, "text/plain").WithWriteKey(_server.WriteKey));

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal(3, (await _server.GetEventsAsync("user_id:" + user)).Length);
    }

    [Fact]
    public async Task GzipBody_SeveralMembers_IsDecompressed()
    {
        // RFC 1952 lets a gzip body hold several members one after another, and their data is concatenated.
        var user = NewId("gzip-members");
        var json = BatchOfThree(user);
        var split = json.Length / 2;
        var body = Gzip(json[..split]).Concat(Gzip(json[split..])).ToArray();
        var request = Post("/v1/batch", body).WithWriteKey(_server.WriteKey).WithHeader("Content-Encoding", "gzip");

        var response = await _server.SendAsync(request);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal(3, (await _server.GetEventsAsync("user_id:" + user)).Length);
    }

    [Fact]
    public async Task GzipBody_OnSingleMessagePath_IsDecompressed()
    {
        var user = NewId("gzip-single");
        var body = Gzip($$$"""{"userId":"{{{user}}}","event":"Clicked"}""");
        var request = Post("/v1/t", body).WithWriteKey(_server.WriteKey).WithHeader("Content-Encoding", "gzip");

        var response = await _server.SendAsync(request);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Single(await _server.GetEventsAsync("user_id:" + user));
    }

    [Fact]
    public async Task ContentEncoding_Unsupported_Returns400()
    {
        var user = NewId("brotli");
        var request = Post("/v1/track", $$$"""{"userId":"{{{user}}}","event":"E"}""")
            .WithWriteKey(_server.WriteKey)
            .WithHeader("Content-Encoding", "br");

        var response = await _server.SendAsync(request);

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "unsupported_encoding");
        Assert.Contains("gzip", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    private static byte[] BatchOfThree(string user) => Encoding.UTF8.GetBytes($$$"""
        {"batch":[
          {"type":"identify","userId":"{{{user}}}","traits":{"plan":"pro"}},
          {"type":"track","userId":"{{{user}}}","event":"First"},
          {"type":"page","userId":"{{{user}}}","name":"Home"}]}
        """);
}
