using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Sendora.Tests.Infrastructure;
using static Sendora.Tests.Tracking.TrackingTestExtensions;

namespace Sendora.Tests.Tracking;

[Collection(SendoraCollection.Name)]
public sealed class WriteKeyTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    [Theory]
    [InlineData(":")]
    [InlineData("")]
    [InlineData(":ignored-password")]
    public async Task BasicUserName_AnyPasswordPart_IsAccepted(string suffix)
    {
        var user = NewId("basic");
        var request = Post("/v1/track", $$$"""{"userId":"{{{user}}}","event":"Signed In"}""");
        request.Headers.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(_server.WriteKey + suffix)));

        var response = await _server.SendAsync(request);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal("Signed In", (await _server.GetSingleEventAsync("user_id:" + user)).GetProperty("event").GetString());
    }

    [Fact]
    public async Task BodyWriteKey_WithoutHeader_IsAccepted()
    {
        var user = NewId("body-key");
        var sourceId = await _server.GetSourceIdAsync(_server.WriteKey);

        var response = await _server.SendAsync(Post("/v1/track",
            $$$"""{"writeKey":"{{{_server.WriteKey}}}","userId":"{{{user}}}","event":"Signed In"}"""));

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = await _server.GetSingleEventAsync("user_id:" + user);
        Assert.Equal(sourceId, stored.GetProperty("source_id").GetString());
    }

    [Fact]
    public async Task BodyWriteKey_IsNotStored()
    {
        var user = NewId("body-key");

        await _server.SendAsync(Post("/v1/track",
            $$$"""{"writeKey":"{{{_server.WriteKey}}}","userId":"{{{user}}}","event":"Signed In"}"""));

        var stored = await _server.GetSingleEventAsync("user_id:" + user);
        Assert.False(stored.TryGetProperty("writeKey", out _));
        Assert.DoesNotContain(_server.WriteKey, stored.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HeaderWriteKey_WinsOverBodyKey()
    {
        var user = NewId("precedence");
        var other = await _server.CreateSourceAsync("precedence-body-source");
        var headerSourceId = await _server.GetSourceIdAsync(_server.WriteKey);
        var request = Post("/v1/track", $$$"""{"writeKey":"{{{other.WriteKey}}}","userId":"{{{user}}}","event":"E"}""")
            .WithWriteKey(_server.WriteKey);

        var response = await _server.SendAsync(request);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = await _server.GetSingleEventAsync("user_id:" + user);
        Assert.Equal(headerSourceId, stored.GetProperty("source_id").GetString());
    }

    [Fact]
    public async Task HeaderWriteKey_Unknown_BodyKeyNotTried()
    {
        var user = NewId("precedence");
        var request = Post("/v1/track", $$$"""{"writeKey":"{{{_server.WriteKey}}}","userId":"{{{user}}}","event":"E"}""")
            .WithWriteKey("wk_unknown_" + Guid.NewGuid().ToString("N"));

        var response = await _server.SendAsync(request);

        await response.ReadErrorAsync(HttpStatusCode.Unauthorized, "invalid_write_key");
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task BatchBodyWriteKey_WithoutHeader_IsAccepted()
    {
        var user = NewId("batch-body-key");
        var body = $$$"""{"writeKey":"{{{_server.WriteKey}}}","batch":[{"type":"track","userId":"{{{user}}}","event":"E"}]}""";

        var response = await _server.SendAsync(Post("/v1/batch", body, "text/plain"));

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Single(await _server.GetEventsAsync("user_id:" + user));
    }

    [Fact]
    public async Task BatchItemWriteKey_IsIgnored()
    {
        var user = NewId("item-key");
        var other = await _server.CreateSourceAsync("item-key-source");
        var requestSourceId = await _server.GetSourceIdAsync(_server.WriteKey);
        var body = $$$"""
            {"batch":[{"type":"track","userId":"{{{user}}}","event":"E","writeKey":"{{{other.WriteKey}}}"}]}
            """;

        var response = await _server.SendAsync(Post("/v1/batch", body).WithWriteKey(_server.WriteKey));

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = await _server.GetSingleEventAsync("user_id:" + user);
        Assert.Equal(requestSourceId, stored.GetProperty("source_id").GetString());
        Assert.False(stored.TryGetProperty("writeKey", out _));
    }

    [Fact]
    public async Task HeaderWriteKey_Unknown_Returns401AndStoresNothing()
    {
        var user = NewId("unknown-key");

        var response = await _server.PostAsync("/v1/track", $$$"""{"userId":"{{{user}}}","event":"E"}""",
            writeKey: "wk_unknown_" + Guid.NewGuid().ToString("N"));

        var error = await response.ReadErrorAsync(HttpStatusCode.Unauthorized, "invalid_write_key");
        Assert.Contains("write key", error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task BodyWriteKey_Unknown_Returns401AndStoresNothing()
    {
        var user = NewId("unknown-key");
        var body = $$$"""{"writeKey":"wk_unknown_{{{Guid.NewGuid():N}}}","userId":"{{{user}}}","event":"E"}""";

        var response = await _server.SendAsync(Post("/v1/track", body));

        await response.ReadErrorAsync(HttpStatusCode.Unauthorized, "invalid_write_key");
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task WriteKey_Missing_Returns401AndStoresNothing()
    {
        var user = NewId("no-key");

        var response = await _server.SendAsync(Post("/v1/track", $$$"""{"userId":"{{{user}}}","event":"E"}"""));

        var error = await response.ReadErrorAsync(HttpStatusCode.Unauthorized, "missing_write_key");
        Assert.Contains("writeKey", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task WriteKey_SourceDisabled_Returns401()
    {
        var user = NewId("disabled");
        var source = await _server.CreateSourceAsync("disabled-source");
        await _server.SetSourceEnabledAsync(source.Id, enabled: false);

        var response = await _server.PostAsync("/v1/track", $$$"""{"userId":"{{{user}}}","event":"E"}""", source.WriteKey);

        var error = await response.ReadErrorAsync(HttpStatusCode.Unauthorized, "source_disabled");
        Assert.Contains("disabled", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
        var rejection = Assert.Single(await _server.GetRejectionsAsync(source.Id));
        Assert.Equal("source_disabled", rejection.GetProperty("code").GetString());
        Assert.Contains(user, rejection.GetProperty("body").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WriteKey_SourceDisabledInBody_KeepsRejection()
    {
        var user = NewId("disabled-body");
        var source = await _server.CreateSourceAsync("disabled-body-source");
        await _server.SetSourceEnabledAsync(source.Id, enabled: false);
        var body = $$$"""{"writeKey":"{{{source.WriteKey}}}","userId":"{{{user}}}","event":"E"}""";

        var response = await _server.SendAsync(Post("/v1/track", body));

        await response.ReadErrorAsync(HttpStatusCode.Unauthorized, "source_disabled");
        var rejection = Assert.Single(await _server.GetRejectionsAsync(source.Id));
        Assert.Equal("source_disabled", rejection.GetProperty("code").GetString());
        Assert.Contains(user, rejection.GetProperty("body").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(257)]
    [InlineData(1_100)]
    public async Task WriteKey_TooLong_Returns401(int length)
    {
        var response = await _server.PostAsync("/v1/track", """{"userId":"u","event":"E"}""", new string('a', length));

        var error = await response.ReadErrorAsync(HttpStatusCode.Unauthorized, "invalid_write_key");
        Assert.Contains($"{length} characters", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("256", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
