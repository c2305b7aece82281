using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;
using Sendora.Tests.Tracking;

namespace Sendora.Tests.Identity;

/// <summary>
/// Identity resolution cases reduced from public bug reports of analytics tools, sent through the real
/// gateway as SDKs send them and read back through the profile API.
/// </summary>
[Collection(SendoraCollection.Name)]
public sealed class IdentityCaseTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task SharedBrowserTwoUsers_StayApartAndFollowLastLogin()
    {
        var run = Unique();
        var (alice, bob) = ($"alice-{run}", $"bob-{run}");
        var (aliceEmail, bobEmail) = ($"alice-{run}@example.com", $"bob-{run}@example.com");
        await SendOkAsync("/v1/identify",
            $$$"""{"userId":"{{{alice}}}","anonymousId":"anon-a1-{{{run}}}","traits":{"email":"{{{aliceEmail}}}"}}""");
        await SendOkAsync("/v1/identify",
            $$$"""{"userId":"{{{bob}}}","anonymousId":"anon-b1-{{{run}}}","traits":{"email":"{{{bobEmail}}}"}}""");
        await SendOkAsync("/v1/identify", $$$"""{"userId":"{{{alice}}}","anonymousId":"anon-b1-{{{run}}}"}""");
        await SendOkAsync("/v1/alias", $$$"""{"previousId":"{{{bob}}}","userId":"{{{alice}}}","messageId":"alias-{{{run}}}"}""");
        await SendOkAsync("/v1/track", $$$"""{"anonymousId":"anon-b1-{{{run}}}","event":"Clicked","messageId":"click-{{{run}}}"}""");

        // Two profiles, each with its own email and no merge between them.
        var idsOfAlice = await ExternalIdsAsync($"user_id:{alice}");
        var idsOfBob = await ExternalIdsAsync($"user_id:{bob}");
        Assert.DoesNotContain($"user_id:{bob}", idsOfAlice);
        Assert.DoesNotContain($"user_id:{alice}", idsOfBob);
        Assert.Equal(aliceEmail, (await _server.GetTraitsAsync($"user_id:{alice}")).GetProperty("email").GetString());
        Assert.Equal(bobEmail, (await _server.GetTraitsAsync($"user_id:{bob}")).GetProperty("email").GetString());
        Assert.Equal(0, await MergeCountAsync($"user_id:{alice}"));
        Assert.Equal(0, await MergeCountAsync($"user_id:{bob}"));

        // The rejected alias is stored on its userId's profile without linking bob's user id there.
        Assert.Contains($"alias-{run}", await MessageIdsAsync($"user_id:{alice}"));
        Assert.DoesNotContain($"alias-{run}", await MessageIdsAsync($"user_id:{bob}"));

        // The device's anonymous id follows the most recent identify, so the click lands on alice only.
        Assert.Contains($"anonymous_id:anon-b1-{run}", idsOfAlice);
        Assert.DoesNotContain($"anonymous_id:anon-b1-{run}", idsOfBob);
        Assert.Contains($"click-{run}", await MessageIdsAsync($"user_id:{alice}"));
        Assert.DoesNotContain($"click-{run}", await MessageIdsAsync($"user_id:{bob}"));
        Assert.Contains($"user_id:{alice}", await ExternalIdsAsync($"anonymous_id:anon-b1-{run}"));
    }

    [Fact]
    public async Task AnonymousEventsBeforeIdentify_JoinUserInOrder()
    {
        var run = Unique();
        var (anonymous, user, email) = ($"anon-{run}", $"user-{run}", $"user-{run}@example.com");
        await SendOkAsync("/v1/page", $$$"""
            {"anonymousId":"{{{anonymous}}}","name":"Home","context":{"page":{"referrer":"https://ref.example/"}},
             "timestamp":"2026-06-01T10:00:00.000Z"}
            """);
        await SendOkAsync("/v1/track",
            $$$"""{"anonymousId":"{{{anonymous}}}","event":"Viewed Pricing","timestamp":"2026-06-01T10:00:01.000Z"}""");
        await SendOkAsync("/v1/identify", $$$"""
            {"userId":"{{{user}}}","anonymousId":"{{{anonymous}}}","traits":{"email":"{{{email}}}"},
             "timestamp":"2026-06-01T10:00:02.000Z"}
            """);
        await SendOkAsync("/v1/track", $$$"""{"userId":"{{{user}}}","event":"Subscribed","timestamp":"2026-06-01T10:00:03.000Z"}""");

        var ids = await ExternalIdsAsync($"user_id:{user}");
        Assert.Contains($"anonymous_id:{anonymous}", ids);
        Assert.Contains($"user_id:{user}", ids);
        Assert.Contains($"email:{email}", ids);

        var events = await _server.GetEventsAsync($"user_id:{user}");
        Assert.Equal(["Subscribed", "identify", "Viewed Pricing", "Home"], events.Select(NameOrType));
        Assert.Equal(
            ["2026-06-01T10:00:03.000Z", "2026-06-01T10:00:02.000Z", "2026-06-01T10:00:01.000Z", "2026-06-01T10:00:00.000Z"],
            events.Select(e => e.GetProperty("timestamp").GetString()));

        // The first touch keeps its referrer in its context.
        var firstTouch = events[^1];
        Assert.Equal("Home", firstTouch.GetProperty("name").GetString());
        Assert.Equal("https://ref.example/",
            firstTouch.GetProperty("context").GetProperty("page").GetProperty("referrer").GetString());

        // Every id of the person finds the same events, so they count as one user.
        var messageIds = events.Select(e => e.GetProperty("messageId").GetString()!).ToList();
        Assert.Equal(messageIds, await MessageIdsAsync($"anonymous_id:{anonymous}"));
        Assert.Equal(messageIds, await MessageIdsAsync($"email:{email}"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AliasOfCustomAnonymousId_LinksLateEvents(bool aliasFirst)
    {
        var run = Unique();
        var (device, user) = ($"d-{run}", $"user-{run}");
        var alias = $$$"""{"previousId":"{{{device}}}","userId":"{{{user}}}","timestamp":"2024-03-01T10:00:05Z"}""";
        if (aliasFirst)
        {
            await SendOkAsync("/v1/alias", alias);
        }

        await SendOkAsync("/v1/track", $$$"""{"anonymousId":"{{{device}}}","event":"Step 1","timestamp":"2024-03-01T10:00:00Z"}""");
        if (!aliasFirst)
        {
            await SendOkAsync("/v1/alias", alias);
        }

        // Step 2 arrives after the alias although its timestamp is earlier.
        await SendOkAsync("/v1/track", $$$"""{"anonymousId":"{{{device}}}","event":"Step 2","timestamp":"2024-03-01T10:00:03Z"}""");
        await SendOkAsync("/v1/track", $$$"""{"userId":"{{{user}}}","event":"Step 3","timestamp":"2024-03-01T10:00:06Z"}""");

        var ids = await ExternalIdsAsync($"anonymous_id:{device}");
        Assert.Contains($"user_id:{user}", ids);
        Assert.Contains($"anonymous_id:{device}", ids);
        var events = await _server.GetEventsAsync($"anonymous_id:{device}");
        Assert.Equal(["Step 3", "alias", "Step 2", "Step 1"], events.Select(NameOrType));
        var messageIds = events.Select(e => e.GetProperty("messageId").GetString()!).ToList();
        Assert.Equal(messageIds, await MessageIdsAsync($"user_id:{user}"));
        Assert.Equal(0, await MergeCountAsync($"user_id:{user}"));
    }

    private async Task SendOkAsync(string path, string body)
    {
        using var response = await _server.PostAsync(path, body);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await _server.GetAsAdminAsync(path);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }

    private async Task<List<string>> ExternalIdsAsync(string externalId) =>
        [.. (await GetJsonAsync(SendoraServer.ProfilePath(externalId, "external_ids", "?limit=100")))
            .GetProperty("data").EnumerateArray()
            .Select(id => $"{id.GetProperty("type").GetString()}:{id.GetProperty("id").GetString()}")];

    private async Task<int> MergeCountAsync(string externalId) =>
        (await GetJsonAsync(SendoraServer.ProfilePath(externalId, "merges"))).GetProperty("data").GetArrayLength();

    private async Task<List<string>> MessageIdsAsync(string externalId) =>
        [.. (await _server.GetEventsAsync(externalId)).Select(e => e.GetProperty("messageId").GetString()!)];

    private static string NameOrType(JsonElement stored) =>
        stored.TryGetProperty("event", out var name) || stored.TryGetProperty("name", out name)
            ? name.GetString()!
            : stored.GetProperty("type").GetString()!;

    private static string Unique() => Guid.NewGuid().ToString("N")[..12];
}
