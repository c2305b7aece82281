using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Profiles;

/// <summary>Finding a profile by its external ids, and the credentials the profile API accepts.</summary>
[Collection(SendoraCollection.Name)]
public sealed class ProfileLookupTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    [Theory]
    [InlineData("traits")]
    [InlineData("events")]
    [InlineData("external_ids")]
    public async Task Lookup_ByUserId_FindsProfile(string resource)
    {
        var (user, _) = await IdentifyWithBothIdsAsync();

        var response = await _server.GetAsAdminAsync(SendoraServer.ProfilePath("user_id:" + user, resource));

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
    }

    [Theory]
    [InlineData("traits")]
    [InlineData("events")]
    [InlineData("external_ids")]
    public async Task Lookup_ByAnonymousId_FindsSameProfile(string resource)
    {
        var (user, anonymous) = await IdentifyWithBothIdsAsync();

        var byUser = await ReadAsync(SendoraServer.ProfilePath("user_id:" + user, resource));
        var byAnonymous = await ReadAsync(SendoraServer.ProfilePath("anonymous_id:" + anonymous, resource));

        Assert.Equal(Without(byUser, "cursor"), Without(byAnonymous, "cursor"));
    }

    [Fact]
    public async Task Lookup_ByAnonymousId_ReturnsTraitsOfMessage()
    {
        var (_, anonymous) = await IdentifyWithBothIdsAsync();

        var body = await ReadAsync(SendoraServer.ProfilePath("anonymous_id:" + anonymous, "traits"));

        Assert.Equal("pro", body.GetProperty("traits").GetProperty("plan").GetString());
    }

    [Fact]
    public async Task Lookup_LaterAnonymousEvent_FoundByUserId()
    {
        var (user, anonymous) = await IdentifyWithBothIdsAsync();
        var track = await _server.PostAsync("/v1/track",
            $$"""{"anonymousId":"{{anonymous}}","event":"Viewed Pricing","messageId":"later-{{anonymous}}"}""");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, track);

        var events = await ReadAsync(SendoraServer.ProfilePath("user_id:" + user, "events"));

        Assert.Contains(events.GetProperty("data").EnumerateArray(),
            e => e.GetProperty("messageId").GetString() == "later-" + anonymous);
    }

    [Fact]
    public async Task Lookup_AnonymousOnlyProfile_FoundByAnonymousId()
    {
        var anonymous = "anon-" + Guid.NewGuid().ToString("N");
        await JsonAssert.StatusAsync(HttpStatusCode.OK,
            await _server.PostAsync("/v1/page", $$"""{"anonymousId":"{{anonymous}}","name":"Home"}"""));

        var events = await ReadAsync(SendoraServer.ProfilePath("anonymous_id:" + anonymous, "events"));

        Assert.Equal("page", Assert.Single(events.GetProperty("data").EnumerateArray()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Lookup_NumericUserId_FoundAsString()
    {
        var user = Random.Shared.NextInt64(1_000_000_000_000, long.MaxValue);
        await JsonAssert.StatusAsync(HttpStatusCode.OK,
            await _server.PostAsync("/v1/identify", $$"""{"userId":{{user}},"traits":{"plan":"numeric"} }"""));

        var traits = await ReadAsync(SendoraServer.ProfilePath($"user_id:{user}", "traits"));

        Assert.Equal("numeric", traits.GetProperty("traits").GetProperty("plan").GetString());
    }

    [Theory]
    [InlineData("traits")]
    [InlineData("events")]
    [InlineData("external_ids")]
    public async Task Lookup_UnknownProfile_Returns404(string resource)
    {
        var response = await _server.GetAsAdminAsync(
            SendoraServer.ProfilePath("user_id:nobody-" + Guid.NewGuid().ToString("N"), resource));

        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, response);
    }

    [Fact]
    public async Task Lookup_UnknownWorkspace_Returns404()
    {
        var (user, _) = await IdentifyWithBothIdsAsync();
        var path = SendoraServer.ProfilePath("user_id:" + user, "traits").Replace("/default/", "/no-such-workspace/");

        var response = await _server.GetAsAdminAsync(path);

        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, response);
    }

    [Theory]
    [InlineData("user-without-colon")]
    [InlineData(":value")]
    [InlineData("user_id:")]
    public async Task Lookup_MalformedExternalId_Returns400(string externalId)
    {
        var response = await _server.GetAsAdminAsync(SendoraServer.ProfilePath(externalId, "traits"));

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
    }

    [Fact]
    public async Task Lookup_MalformedExternalId_NamesExpectedForm()
    {
        var response = await _server.GetAsAdminAsync(SendoraServer.ProfilePath("user-without-colon", "traits"));

        var body = await JsonAssert.ReadAsync(response);
        Assert.Contains("type:value", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lookup_WithoutToken_Returns401()
    {
        var (user, _) = await IdentifyWithBothIdsAsync();

        var response = await SendAsync(SendoraServer.ProfilePath("user_id:" + user, "traits"), authorization: null);

        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
    }

    [Fact]
    public async Task Lookup_WrongBearerToken_Returns401()
    {
        var (user, _) = await IdentifyWithBothIdsAsync();

        var response = await SendAsync(
            SendoraServer.ProfilePath("user_id:" + user, "traits"),
            new AuthenticationHeaderValue("Bearer", SendoraServer.AdminToken + "x"));

        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
    }

    [Fact]
    public async Task Lookup_WrongBasicUser_Returns401()
    {
        var (user, _) = await IdentifyWithBothIdsAsync();

        var response = await SendAsync(
            SendoraServer.ProfilePath("user_id:" + user, "traits"), SendoraServer.Basic("not-the-admin-token"));

        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
    }

    [Fact]
    public async Task Lookup_WriteKeyAsToken_Returns401()
    {
        var (user, _) = await IdentifyWithBothIdsAsync();

        var response = await SendAsync(
            SendoraServer.ProfilePath("user_id:" + user, "traits"), SendoraServer.Basic(_server.WriteKey));

        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
    }

    [Fact]
    public async Task Lookup_BearerToken_Returns200()
    {
        var (user, _) = await IdentifyWithBothIdsAsync();

        var response = await SendAsync(
            SendoraServer.ProfilePath("user_id:" + user, "traits"),
            new AuthenticationHeaderValue("Bearer", SendoraServer.AdminToken));

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
    }

    [Fact]
    public async Task Lookup_TokenAsBasicUserName_Returns200()
    {
        var (user, _) = await IdentifyWithBothIdsAsync();

        var response = await SendAsync(
            SendoraServer.ProfilePath("user_id:" + user, "traits"), SendoraServer.Basic(SendoraServer.AdminToken));

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
    }

    [Fact]
    public async Task Lookup_UnsafeCharactersInUserId_RoundTrip()
    {
        var prefix = Guid.NewGuid().ToString("N");
        var unsafeId = prefix + "-a/b#c?d%e f";
        await IdentifyAsync(unsafeId, "unsafe");

        var traits = await ReadAsync(SendoraServer.ProfilePath("user_id:" + unsafeId, "traits"));

        Assert.Equal("unsafe", traits.GetProperty("traits").GetProperty("variant").GetString());
    }

    [Fact]
    public async Task Lookup_UnsafeCharactersInUserId_ListedUnchanged()
    {
        var unsafeId = Guid.NewGuid().ToString("N") + "-a/b#c?d%e f";
        await IdentifyAsync(unsafeId, "unsafe");

        var ids = await ReadAsync(SendoraServer.ProfilePath("user_id:" + unsafeId, "external_ids"));

        Assert.Contains(ids.GetProperty("data").EnumerateArray(),
            id => id.GetProperty("type").GetString() == "user_id" && id.GetProperty("id").GetString() == unsafeId);
    }

    [Fact]
    public async Task Lookup_UnsafeAndReplacedCharacters_DoNotCollide()
    {
        var prefix = Guid.NewGuid().ToString("N");
        var unsafeId = prefix + "-a/b#c?d%e f";
        var replacedId = prefix + "-a_b_c_d_e f";
        await IdentifyAsync(unsafeId, "unsafe");
        await IdentifyAsync(replacedId, "replaced");

        var unsafeTraits = await ReadAsync(SendoraServer.ProfilePath("user_id:" + unsafeId, "traits"));
        var replacedTraits = await ReadAsync(SendoraServer.ProfilePath("user_id:" + replacedId, "traits"));

        Assert.Equal("unsafe", unsafeTraits.GetProperty("traits").GetProperty("variant").GetString());
        Assert.Equal("replaced", replacedTraits.GetProperty("traits").GetProperty("variant").GetString());
    }

    [Fact]
    public async Task Lookup_LiteralPercent2F_StaysDistinct()
    {
        var prefix = Guid.NewGuid().ToString("N");
        var slashId = prefix + "-a/b";
        var escapedId = prefix + "-a%2Fb";
        await IdentifyAsync(slashId, "slash");
        await IdentifyAsync(escapedId, "escaped");

        var slashTraits = await ReadAsync(SendoraServer.ProfilePath("user_id:" + slashId, "traits"));
        var escapedTraits = await ReadAsync(SendoraServer.ProfilePath("user_id:" + escapedId, "traits"));

        Assert.Equal("slash", slashTraits.GetProperty("traits").GetProperty("variant").GetString());
        Assert.Equal("escaped", escapedTraits.GetProperty("traits").GetProperty("variant").GetString());
    }

    [Fact]
    public async Task Lookup_CursorUrl_FindsSameProfile()
    {
        var prefix = Guid.NewGuid().ToString("N");
        await IdentifyAsync(prefix + "-a/b", "slash");
        await IdentifyAsync(prefix + "-a%2Fb", "escaped");
        var first = await ReadAsync(SendoraServer.ProfilePath("user_id:" + prefix + "-a%2Fb", "traits", "?limit=5"));

        var again = await ReadAsync(first.GetProperty("cursor").GetProperty("url").GetString()!);

        Assert.Equal("escaped", again.GetProperty("traits").GetProperty("variant").GetString());
    }

    private async Task<(string User, string Anonymous)> IdentifyWithBothIdsAsync()
    {
        var user = "lookup-" + Guid.NewGuid().ToString("N");
        var anonymous = "anon-" + Guid.NewGuid().ToString("N");
        var response = await _server.PostAsync("/v1/identify",
            $$"""{"userId":"{{user}}","anonymousId":"{{anonymous}}","traits":{"plan":"pro"} }""");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return (user, anonymous);
    }

    private async Task IdentifyAsync(string user, string variant)
    {
        var body = JsonSerializer.Serialize(new { userId = user, traits = new { variant } });
        await JsonAssert.StatusAsync(HttpStatusCode.OK, await _server.PostAsync("/v1/identify", body));
    }

    private async Task<JsonElement> ReadAsync(string path)
    {
        var response = await _server.GetAsAdminAsync(path);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }

    private Task<HttpResponseMessage> SendAsync(string path, AuthenticationHeaderValue? authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = authorization;
        return _server.Http.SendAsync(request);
    }

    private static string Without(JsonElement body, string property) =>
        JsonSerializer.Serialize(body.EnumerateObject().Where(p => p.Name != property).ToDictionary(p => p.Name, p => p.Value));
}
