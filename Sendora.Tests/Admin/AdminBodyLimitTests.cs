using System.Net;
using System.Net.Http.Headers;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Admin;

/// <summary>
/// An admin body over Kestrel's default limit of 30,000,000 bytes gets a problem that states the limit, with or
/// without Content-Length, not Kestrel's empty 413. The requests send <c>Expect: 100-continue</c>, as curl does for
/// large bodies: the server responds to a Content-Length over the limit without reading the body and then closes the
/// connection, so a client that is still sending the body sees a broken connection instead of the response.
/// </summary>
[Collection(SendoraCollection.Name)]
public sealed class AdminBodyLimitTests(SendoraFixture fixture) : IDisposable
{
    private const int KestrelDefaultLimit = 30_000_000;

    // HttpClient sends the body anyway when no response comes within Expect100ContinueTimeout, 1 second by default,
    // which the first request to a new server can take.
    private readonly HttpClient _http = new(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(30) })
    {
        BaseAddress = fixture.Server.BaseAddress,
    };

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task BodyOverLimit_Returns413Problem()
    {
        using var response = await PostAsync(new ByteArrayContent(OversizedBody()));

        await JsonAssert.StatusAsync(HttpStatusCode.RequestEntityTooLarge, response);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var detail = (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString();
        Assert.Contains("30,000,000 bytes", detail, StringComparison.Ordinal);
        Assert.Contains("30,000,001 bytes", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ChunkedBodyOverLimit_Returns413Problem()
    {
        // A stream of unknown length makes HttpClient send the body chunked, without Content-Length.
        var content = new StreamContent(new UnseekableStream(OversizedBody()));

        using var response = await PostAsync(content);

        await JsonAssert.StatusAsync(HttpStatusCode.RequestEntityTooLarge, response);
        var detail = (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString();
        Assert.Contains("30,000,000 bytes", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodyOverLimitWithoutToken_Returns401()
    {
        var content = new ByteArrayContent(OversizedBody());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/workspaces") { Content = content };
        request.Headers.ExpectContinue = true;

        using var response = await _http.SendAsync(request);

        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
    }

    [Fact]
    public async Task BodyUnderLimit_ReachesRoute()
    {
        using var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces",
            """{"id":"Not Valid","name":"x"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains("'id'", (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static byte[] OversizedBody()
    {
        var body = new byte[KestrelDefaultLimit + 1];
        Array.Fill(body, (byte)' ');
        body[0] = (byte)'{';
        body[^1] = (byte)'}';
        return body;
    }

    private async Task<HttpResponseMessage> PostAsync(HttpContent content)
    {
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/workspaces") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SendoraServer.AdminToken);
        request.Headers.ExpectContinue = true;
        return await _http.SendAsync(request);
    }

    private sealed class UnseekableStream(byte[] data) : MemoryStream(data, writable: false)
    {
        public override bool CanSeek => false;
    }
}
