using System.Net;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Tracking;

/// <summary>The settings document analytics.js loads at start; it must send events to this gateway.</summary>
[Collection(SendoraCollection.Name)]
public sealed class SettingsDocumentTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task Settings_KnownWriteKey_PointsAtGateway()
    {
        // No Authorization header: analytics.js sends none, because the write key is in the path.
        var response = await _server.Http.GetAsync($"/v1/projects/{_server.WriteKey}/settings");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var segmentIo = (await JsonAssert.ReadAsync(response)).GetProperty("integrations").GetProperty("Segment.io");
        Assert.Equal(_server.WriteKey, segmentIo.GetProperty("apiKey").GetString());
        Assert.Equal($"{_server.BaseAddress.Host}:{_server.BaseAddress.Port}/v1", segmentIo.GetProperty("apiHost").GetString());
        Assert.Equal("http", segmentIo.GetProperty("protocol").GetString());
    }

    [Fact]
    public async Task Settings_UnknownWriteKey_Returns404Text()
    {
        var response = await _server.Http.GetAsync($"/v1/projects/wk_unknown_{Guid.NewGuid():N}/settings");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.False(string.IsNullOrWhiteSpace(await response.Content.ReadAsStringAsync()));
    }
}
