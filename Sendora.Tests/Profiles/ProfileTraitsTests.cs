using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Profiles;

/// <summary>A profile's traits and external ids in Segment's shapes.</summary>
[Collection(SendoraCollection.Name)]
public sealed class ProfileTraitsTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task Traits_Response_HasTraitsAndCursor()
    {
        var user = await IdentifyAsync("""{"plan":"pro"}""");

        var body = await ReadAsync(TraitsPath(user));

        Assert.Equal(JsonValueKind.Object, body.GetProperty("traits").ValueKind);
        var cursor = body.GetProperty("cursor");
        Assert.Equal(TraitsPath(user), cursor.GetProperty("url").GetString());
        Assert.False(cursor.GetProperty("has_more").GetBoolean());
        Assert.Equal(string.Empty, cursor.GetProperty("next").GetString());
    }

    [Fact]
    public async Task Traits_Values_KeepTheirJsonTypes()
    {
        var user = await IdentifyAsync(
            """{"name":"Ada","age":36,"vip":true,"nickname":null,"tags":["a","b"],"address":{"city":"Paris"}}""");

        var traits = (await ReadAsync(TraitsPath(user))).GetProperty("traits");

        Assert.Equal("Ada", traits.GetProperty("name").GetString());
        Assert.Equal(36, traits.GetProperty("age").GetInt32());
        Assert.True(traits.GetProperty("vip").GetBoolean());
        Assert.Equal(JsonValueKind.Null, traits.GetProperty("nickname").ValueKind);
        Assert.Equal(2, traits.GetProperty("tags").GetArrayLength());
        Assert.Equal("Paris", traits.GetProperty("address").GetProperty("city").GetString());
    }

    [Fact]
    public async Task Traits_LaterIdentify_MergesTopLevelKeys()
    {
        var user = await IdentifyAsync("""{"name":"Ada","address":{"city":"Paris","zip":"75001"}}""");
        await IdentifyAsync("""{"plan":"pro","address":{"city":"Lyon"}}""", user);

        var traits = (await ReadAsync(TraitsPath(user))).GetProperty("traits");

        Assert.Equal("Ada", traits.GetProperty("name").GetString());
        Assert.Equal("pro", traits.GetProperty("plan").GetString());
        Assert.False(traits.GetProperty("address").TryGetProperty("zip", out _));
    }

    [Fact]
    public async Task Traits_Include_ReturnsOnlyNamedTraits()
    {
        var user = await IdentifyAsync("""{"a":1,"b":2,"c":3}""");

        var traits = (await ReadAsync(TraitsPath(user, "?include=a,b"))).GetProperty("traits");

        Assert.Equal(["a", "b"], traits.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Traits_IncludeUnknownName_ReturnsEmptyTraits()
    {
        var user = await IdentifyAsync("""{"a":1}""");

        var traits = (await ReadAsync(TraitsPath(user, "?include=zzz"))).GetProperty("traits");

        Assert.Empty(traits.EnumerateObject());
    }

    [Fact]
    public async Task Traits_DefaultLimit_ReturnsTenAndCursor()
    {
        var user = await IdentifyAsync(ManyTraits(12));

        var body = await ReadAsync(TraitsPath(user));

        Assert.Equal(10, body.GetProperty("traits").EnumerateObject().Count());
        Assert.True(body.GetProperty("cursor").GetProperty("has_more").GetBoolean());
    }

    [Fact]
    public async Task Traits_WalkAllPages_ReturnsEachTraitOnce()
    {
        var user = await IdentifyAsync(ManyTraits(12));
        var seen = new List<string>();
        var next = string.Empty;

        for (var page = 0; page < 10; page++)
        {
            var query = next.Length == 0 ? "?limit=5" : $"?limit=5&next={Uri.EscapeDataString(next)}";
            var body = await ReadAsync(TraitsPath(user, query));
            seen.AddRange(body.GetProperty("traits").EnumerateObject().Select(p => p.Name));
            next = body.GetProperty("cursor").GetProperty("next").GetString()!;
            if (next.Length == 0)
            {
                break;
            }
        }

        Assert.Equal(Enumerable.Range(0, 12).Select(i => $"t{i:D2}"), seen);
    }

    [Fact]
    public async Task ExternalIds_Response_ListsBothIds()
    {
        var user = "ids-" + Guid.NewGuid().ToString("N");
        var anonymous = "anon-" + Guid.NewGuid().ToString("N");
        await PostOkAsync("/v1/identify", $$"""{"userId":"{{user}}","anonymousId":"{{anonymous}}","traits":{} }""");

        var body = await ReadAsync(SendoraServer.ProfilePath("user_id:" + user, "external_ids"));

        var ids = body.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal([("user_id", user), ("anonymous_id", anonymous)],
            ids.Select(id => (id.GetProperty("type").GetString(), id.GetProperty("id").GetString())));
        Assert.All(ids, id => Assert.Equal("users", id.GetProperty("collection").GetString()));
        Assert.All(ids, id => Assert.False(string.IsNullOrEmpty(id.GetProperty("source_id").GetString())));
        Assert.All(ids, id => Assert.EndsWith("Z", id.GetProperty("created_at").GetString(), StringComparison.Ordinal));
        Assert.False(body.GetProperty("cursor").GetProperty("has_more").GetBoolean());
    }

    [Fact]
    public async Task ExternalIds_LimitOne_PagesThroughBothIds()
    {
        var user = "ids-" + Guid.NewGuid().ToString("N");
        var anonymous = "anon-" + Guid.NewGuid().ToString("N");
        await PostOkAsync("/v1/identify", $$"""{"userId":"{{user}}","anonymousId":"{{anonymous}}","traits":{} }""");

        var first = await ReadAsync(SendoraServer.ProfilePath("user_id:" + user, "external_ids", "?limit=1"));
        var next = first.GetProperty("cursor").GetProperty("next").GetString()!;
        var second = await ReadAsync(
            SendoraServer.ProfilePath("user_id:" + user, "external_ids", "?limit=1&next=" + Uri.EscapeDataString(next)));

        Assert.Equal(user, Assert.Single(first.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        Assert.Equal(anonymous, Assert.Single(second.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        Assert.False(second.GetProperty("cursor").GetProperty("has_more").GetBoolean());
    }

    private async Task<string> IdentifyAsync(string traitsJson, string? user = null)
    {
        user ??= "traits-" + Guid.NewGuid().ToString("N");
        await PostOkAsync("/v1/identify", $$"""{"userId":"{{user}}","traits":{{traitsJson}} }""");
        return user;
    }

    private async Task PostOkAsync(string path, string json) =>
        await JsonAssert.StatusAsync(HttpStatusCode.OK, await _server.PostAsync(path, json));

    private async Task<JsonElement> ReadAsync(string path)
    {
        var response = await _server.GetAsAdminAsync(path);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }

    private static string ManyTraits(int count) =>
        JsonSerializer.Serialize(Enumerable.Range(0, count).ToDictionary(i => $"t{i:D2}", i => i));

    private static string TraitsPath(string user, string query = "") =>
        SendoraServer.ProfilePath("user_id:" + user, "traits", query);
}
