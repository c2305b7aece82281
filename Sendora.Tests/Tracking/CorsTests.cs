using System.Net;
using Sendora.Tests.Infrastructure;
using static Sendora.Tests.Tracking.TrackingTestExtensions;

namespace Sendora.Tests.Tracking;

/// <summary>
/// Browsers preflight analytics.js calls because they carry an Authorization header, so every
/// tracking path responds to OPTIONS with permissive CORS: any origin, and never credentials.
/// </summary>
[Collection(SendoraCollection.Name)]
public sealed class CorsTests(SendoraFixture fixture)
{
    private const string Origin = "https://shop.example";

    private readonly SendoraServer _server = fixture.Server;

    public static TheoryData<string> PostPaths => new()
    {
        "/v1/track", "/v1/identify", "/v1/page", "/v1/screen", "/v1/group", "/v1/alias",
        "/v1/t", "/v1/i", "/v1/p", "/v1/s", "/v1/g", "/v1/a",
        "/v1/batch", "/v1/b", "/v1/import", "/v1/import/",
    };

    [Theory]
    [MemberData(nameof(PostPaths))]
    public async Task Preflight_TrackingPath_AllowsCrossOriginPost(string path)
    {
        var response = await _server.SendAsync(Preflight(path, "POST"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", response.Header("Access-Control-Allow-Origin"));
        Assert.Contains("POST", response.Header("Access-Control-Allow-Methods") ?? string.Empty, StringComparison.Ordinal);
        var allowedHeaders = response.Header("Access-Control-Allow-Headers") ?? string.Empty;
        Assert.Contains("content-type", allowedHeaders, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("authorization", allowedHeaders, StringComparison.OrdinalIgnoreCase);
        Assert.NotNull(response.Header("Access-Control-Max-Age"));
        Assert.Null(response.Header("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Preflight_SettingsPath_AllowsCrossOriginGet()
    {
        var response = await _server.SendAsync(Preflight($"/v1/projects/{_server.WriteKey}/settings", "GET"));

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal("*", response.Header("Access-Control-Allow-Origin"));
        Assert.Contains("GET", response.Header("Access-Control-Allow-Methods") ?? string.Empty, StringComparison.Ordinal);
        Assert.Null(response.Header("Access-Control-Allow-Credentials"));
    }

    [Theory]
    [InlineData("/v1/batch")]
    [InlineData("/v1/t")]
    public async Task Post_WithOrigin_CarriesAllowOrigin(string path)
    {
        var user = NewId("cors");
        var body = path == "/v1/batch"
            ? $$$"""{"batch":[{"type":"track","userId":"{{{user}}}","event":"E"}]}"""
            : $$$"""{"userId":"{{{user}}}","event":"E"}""";
        var request = Post(path, body).WithWriteKey(_server.WriteKey).WithHeader("Origin", Origin);

        var response = await _server.SendAsync(request);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal("*", response.Header("Access-Control-Allow-Origin"));
        Assert.Null(response.Header("Access-Control-Allow-Credentials"));
    }

    [Fact]
    public async Task Post_Rejected_StillCarriesAllowOrigin()
    {
        // A browser can read the error only when the error response allows its origin too.
        var request = Post("/v1/track", "{").WithWriteKey(_server.WriteKey).WithHeader("Origin", Origin);

        var response = await _server.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("*", response.Header("Access-Control-Allow-Origin"));
    }

    private static HttpRequestMessage Preflight(string path, string method)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", Origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "content-type, authorization");
        return request;
    }
}
