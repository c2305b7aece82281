using System.Net;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Tracking;

[Collection(SendoraCollection.Name)]
public sealed class TrackingPathTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    public static TheoryData<string, string> SinglePaths => new()
    {
        { "/v1/identify", "identify" }, { "/v1/i", "identify" },
        { "/v1/track", "track" }, { "/v1/t", "track" },
        { "/v1/page", "page" }, { "/v1/p", "page" },
        { "/v1/screen", "screen" }, { "/v1/s", "screen" },
        { "/v1/group", "group" }, { "/v1/g", "group" },
        { "/v1/alias", "alias" }, { "/v1/a", "alias" },
    };

    [Theory]
    [MemberData(nameof(SinglePaths))]
    public async Task SinglePath_DecidesMessageType(string path, string type)
    {
        var user = "path-" + Guid.NewGuid().ToString("N");
        // The body claims another type on purpose: the path must win.
        var body = $$"""
            {"type":"screen","userId":"{{user}}","event":"Clicked","groupId":"g1","previousId":"old-{{user}}",
             "name":"Home","traits":{"plan":"pro"},"messageId":"{{type}}-1"}
            """;

        var response = await _server.PostAsync(path, body);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var events = await JsonAssert.ReadAsync(
            await _server.GetAsAdminAsync(SendoraServer.ProfilePath("user_id:" + user, "events")));
        var stored = Assert.Single(events.GetProperty("data").EnumerateArray());
        Assert.Equal(type, stored.GetProperty("type").GetString());
        Assert.Equal($"{type}-1", stored.GetProperty("messageId").GetString());
    }

    [Theory]
    [InlineData("/v1/batch")]
    [InlineData("/v1/b")]
    [InlineData("/v1/import")]
    [InlineData("/v1/import/")]
    public async Task BatchPath_AcceptsEveryCallType(string path)
    {
        var user = "batch-path-" + Guid.NewGuid().ToString("N");
        var body = $$$"""
            {"batch":[
              {"type":"identify","userId":"{{{user}}}","traits":{"plan":"pro"}},
              {"type":"track","userId":"{{{user}}}","event":"Clicked"},
              {"type":"page","userId":"{{{user}}}","name":"Home"},
              {"type":"screen","userId":"{{{user}}}","name":"Main"},
              {"type":"group","userId":"{{{user}}}","groupId":"g1"},
              {"type":"alias","userId":"{{{user}}}","previousId":"old-{{{user}}}"}]}
            """;

        var response = await _server.PostAsync(path, body);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var events = await JsonAssert.ReadAsync(
            await _server.GetAsAdminAsync(SendoraServer.ProfilePath("user_id:" + user, "events")));
        var types = events.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("type").GetString());
        Assert.Equal(["alias", "group", "identify", "page", "screen", "track"], types.Order());
    }

    [Theory]
    [InlineData("/v1/track")]
    [InlineData("/v1/t")]
    public async Task SinglePath_BodyWithoutType_TakesPathType(string path)
    {
        var user = "no-type-" + Guid.NewGuid().ToString("N");

        var response = await _server.PostAsync(path, $$$"""{"userId":"{{{user}}}","event":"Clicked"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var events = await JsonAssert.ReadAsync(
            await _server.GetAsAdminAsync(SendoraServer.ProfilePath("user_id:" + user, "events")));
        Assert.Equal("track", Assert.Single(events.GetProperty("data").EnumerateArray()).GetProperty("type").GetString());
    }
}
