using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sendora.Grains;
using Sendora.Grains.Identity;
using Sendora.Grains.Profiles;
using Sendora.Tests.Infrastructure;
using Sendora.Tests.Tracking;

namespace Sendora.Tests.Admin;

/// <summary>Regulations through the admin API: suppressing people by userId and erasing their profiles.</summary>
[Collection(SendoraCollection.Name)]
public sealed class RegulationTests(SendoraFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task Suppress_DropsLaterMessagesOnly()
    {
        var (workspace, writeKey) = await CreateWorkspaceAsync();
        await TrackAsync(writeKey, "ada", "Before");

        var regulation = await CreateAsync(workspace, "SUPPRESS", ["ada"]);
        Assert.Equal("FINISHED", regulation.GetProperty("status").GetString());
        Assert.Equal("FINISHED", regulation.GetProperty("subjects")[0].GetProperty("status").GetString());

        using (var batch = await _server.PostAsync("/v1/batch", """
            {"batch":[
              {"type":"track","userId":"ada","event":"After"},
              {"type":"track","userId":"bob","event":"After"}
            ]}
            """, writeKey))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, batch);
            var body = await JsonAssert.ReadAsync(batch);
            Assert.False(body.TryGetProperty("rejected", out _));
        }

        Assert.Equal(["Before"], await EventNamesAsync(workspace, "ada"));
        Assert.Equal(["After"], await EventNamesAsync(workspace, "bob"));
        var suppressions = await GetAsync($"/admin/v1/workspaces/{workspace}/suppressions");
        var entry = Assert.Single(suppressions.GetProperty("data").EnumerateArray());
        Assert.Equal("ada", entry.GetProperty("userId").GetString());
        Assert.Equal(regulation.GetProperty("id").GetString(), entry.GetProperty("regulationId").GetString());
        var counts = await Poll.UntilAsync(
            () => SourceCountsAsync(workspace),
            c => c.GetProperty("suppressed").GetInt64() >= 1,
            c => $"no suppressed message was counted: {c}",
            Timeout);
        Assert.Equal(1, counts.GetProperty("suppressed").GetInt64());
        Assert.Equal(2, counts.GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task Unsuppress_StoresMessagesAgain()
    {
        var (workspace, writeKey) = await CreateWorkspaceAsync();
        await CreateAsync(workspace, "SUPPRESS", ["ada", "bob"]);
        await TrackAsync(writeKey, "ada", "WhileSuppressed");

        var regulation = await CreateAsync(workspace, "unsuppress", ["ada"]);
        await TrackAsync(writeKey, "ada", "AfterUnsuppress");
        await TrackAsync(writeKey, "bob", "StillSuppressed");

        Assert.Equal("UNSUPPRESS", regulation.GetProperty("regulationType").GetString());
        Assert.Equal(["AfterUnsuppress"], await EventNamesAsync(workspace, "ada"));
        await AssertNoProfileAsync(workspace, "bob");
        var suppressions = await GetAsync($"/admin/v1/workspaces/{workspace}/suppressions");
        Assert.Equal("bob", Assert.Single(suppressions.GetProperty("data").EnumerateArray()).GetProperty("userId").GetString());
    }

    [Fact]
    public async Task Delete_ErasesMergedProfilesAndIds()
    {
        var (workspace, writeKey) = await CreateWorkspaceAsync();
        await SendAsync(writeKey, "/v1/track", """{"anonymousId":"phone","event":"Browsed"}""");
        await SendAsync(writeKey, "/v1/group", """{"anonymousId":"phone","groupId":"phone-club"}""");
        await SendAsync(writeKey, "/v1/identify", """{"userId":"ada","traits":{"email":"ada@example.com"}}""");
        await SendAsync(writeKey, "/v1/identify", """{"userId":"ada","anonymousId":"phone"}""");
        await SendAsync(writeKey, "/v1/group", """{"userId":"ada","groupId":"acme","traits":{"name":"Acme"}}""");
        await TrackAsync(writeKey, "bob", "Kept");
        Assert.Single(await GroupMembersAsync(workspace, "acme"));

        var created = await CreateAsync(workspace, "DELETE", ["ada", "nobody"]);
        var regulation = await WaitForStatusAsync(workspace, created.GetProperty("id").GetString()!);

        Assert.Equal("FINISHED", regulation.GetProperty("status").GetString());
        var subjects = regulation.GetProperty("subjects").EnumerateArray().ToDictionary(
            subject => subject.GetProperty("subjectId").GetString()!);
        Assert.Equal(2, subjects["ada"].GetProperty("erasedProfileIds").GetArrayLength());
        Assert.Equal(0, subjects["nobody"].GetProperty("erasedProfileIds").GetArrayLength());
        await AssertNoProfileAsync(workspace, "ada");
        using (var phone = await _server.GetAsAdminAsync(ProfilePath(workspace, "anonymous_id:phone", "traits")))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.NotFound, phone);
        }

        Assert.Empty(await GroupMembersAsync(workspace, "acme"));
        Assert.Empty(await GroupMembersAsync(workspace, "phone-club"));
        Assert.Equal(["Kept"], await EventNamesAsync(workspace, "bob"));

        // Deleting does not suppress: the person's next message starts a new profile with nothing of the old one.
        await TrackAsync(writeKey, "ada", "Returned");
        Assert.Equal(["Returned"], await EventNamesAsync(workspace, "ada"));
        var traits = await GetAsync(ProfilePath(workspace, "user_id:ada", "traits"));
        Assert.False(traits.GetProperty("traits").TryGetProperty("email", out _));
    }

    [Fact]
    public async Task Delete_ExitsAudiences()
    {
        var (workspace, writeKey) = await CreateWorkspaceAsync();
        using (var audience = await _server.SendAsAdminAsync(HttpMethod.Post, $"/admin/v1/workspaces/{workspace}/audiences",
            """{"id":"pro","name":"Pro","condition":{"trait":"plan","operator":"equals","value":"pro"}}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.Created, audience);
        }

        await SendAsync(writeKey, "/v1/identify", """{"userId":"ada","traits":{"plan":"pro"}}""");
        await SendAsync(writeKey, "/v1/identify", """{"userId":"bob","traits":{"plan":"pro"}}""");
        await WaitForAudienceSizeAsync(workspace, 2);

        var created = await CreateAsync(workspace, "SUPPRESS_WITH_DELETE", ["ada"]);
        await WaitForStatusAsync(workspace, created.GetProperty("id").GetString()!);

        await WaitForAudienceSizeAsync(workspace, 1);
        await SendAsync(writeKey, "/v1/identify", """{"userId":"ada","traits":{"plan":"pro"}}""");
        await AssertNoProfileAsync(workspace, "ada");
        var audienceView = await GetAsync($"/admin/v1/workspaces/{workspace}/audiences/pro");
        Assert.Equal(1, audienceView.GetProperty("size").GetInt64());
    }

    [Fact]
    public async Task ErasureStoppedBeforeRelease_LosesNoMessage()
    {
        var (workspace, writeKey) = await CreateWorkspaceAsync();
        await TrackAsync(writeKey, "ada", "Before");
        var grains = _server.Services.GetRequiredService<IGrainFactory>();
        var profileId = await grains.GetGrain<IIdentityGrain>(GrainKeys.ForExternalId(workspace, "user_id", "ada")).ResolveAsync();

        // The profile empties itself, as an erasure does before a crash that stops it from releasing the ids.
        await grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspace, profileId!)).EraseAsync(absorbedBy: null);
        var body = JsonSerializer.Serialize(new { userId = "ada", @event = "After", messageId = "after-erase" });
        using var first = await _server.PostAsync("/v1/track", body, writeKey);
        using var second = await _server.PostAsync("/v1/track", body, writeKey);

        await JsonAssert.StatusAsync(HttpStatusCode.ServiceUnavailable, first);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, second);
        Assert.Equal(["After"], await EventNamesAsync(workspace, "ada"));
        var newProfileId = await grains.GetGrain<IIdentityGrain>(GrainKeys.ForExternalId(workspace, "user_id", "ada")).ResolveAsync();
        Assert.NotEqual(profileId, newProfileId);
    }

    [Fact]
    public async Task List_NewestFirstAndUnknownNotFound()
    {
        var (workspace, _) = await CreateWorkspaceAsync();
        var first = await CreateAsync(workspace, "SUPPRESS", ["first-subject"]);
        var second = await CreateAsync(workspace, "DELETE", ["second-subject"]);

        var list = await GetAsync($"/admin/v1/workspaces/{workspace}/regulations");
        var ids = list.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToList();
        Assert.Equal([second.GetProperty("id").GetString(), first.GetProperty("id").GetString()], ids);
        Assert.Equal(2, list.GetProperty("total").GetInt32());
        using var missing = await _server.GetAsAdminAsync($"/admin/v1/workspaces/{workspace}/regulations/rg_missing");
        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, missing);
        var audit = await GetAsync($"/admin/v1/workspaces/{workspace}/audit");
        var entries = audit.GetProperty("data").EnumerateArray()
            .Where(entry => entry.GetProperty("action").GetString() == "regulation.create").ToList();
        Assert.Equal(2, entries.Count);
        Assert.DoesNotContain("subject", string.Concat(entries.Select(entry => entry.GetProperty("after").GetRawText()))
            .Replace("subjectCount", string.Empty, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"regulationType":"ERASE","subjectIds":["a"]}""", "'regulationType' must be one of")]
    [InlineData("""{"regulationType":"DELETE","subjectType":"EMAIL","subjectIds":["a"]}""", "'subjectType' must be USER_ID")]
    [InlineData("""{"regulationType":"DELETE","subjectIds":[]}""", "'subjectIds' must be a list of 1 to 1,000")]
    [InlineData("""{"regulationType":"DELETE"}""", "'subjectIds' must be a list of 1 to 1,000")]
    [InlineData("""{"regulationType":"DELETE","subjectIds":["a",""]}""", "'subjectIds[1]' must be a userId that is not empty or blank")]
    [InlineData("""{"regulationType":"DELETE","subjectIds":[" "]}""", "'subjectIds[0]' must be a userId that is not empty or blank")]
    [InlineData("""{"regulationType":"DELETE","subjectIds":[null]}""", "'subjectIds[0]' must be a userId that is not empty or blank")]
    [InlineData("""{"regulationType":"DELETE","subjectIds":["a",true]}""", "'subjectIds[1]' must be a userId, as a string or a number, not a boolean")]
    [InlineData("""{"regulationType":"DELETE","subjectIds":[{"id":"a"}]}""", "'subjectIds[0]' must be a userId, as a string or a number, not an object")]
    public async Task Create_InvalidBody_NamesField(string body, string expected)
    {
        using var response = await _server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces/default/regulations", body);

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains(expected, (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Create_TooManyOrTooLongIds_NamesLimit()
    {
        var many = JsonSerializer.Serialize(new { regulationType = "SUPPRESS", subjectIds = Enumerable.Range(0, 1001).Select(i => $"u{i}") });
        var tooLong = JsonSerializer.Serialize(new { regulationType = "SUPPRESS", subjectIds = new[] { new string('x', 513) } });

        using var manyResponse = await _server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces/default/regulations", many);
        using var longResponse = await _server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces/default/regulations", tooLong);

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, manyResponse);
        Assert.Contains("at most 1,000 userIds, not 1,001", (await JsonAssert.ReadAsync(manyResponse)).GetProperty("detail").GetString());
        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, longResponse);
        Assert.Contains("at most 512 characters, not 513", (await JsonAssert.ReadAsync(longResponse)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Suppress_OverWorkspaceLimit_Rejected()
    {
        var (workspace, _) = await CreateWorkspaceAsync();
        for (var round = 0; round < 10; round++)
        {
            await CreateAsync(workspace, "SUPPRESS", [.. Enumerable.Range(round * 1000, 1000).Select(i => $"u{i}")]);
        }

        using var response = await _server.SendAsAdminAsync(HttpMethod.Post, $"/admin/v1/workspaces/{workspace}/regulations",
            """{"regulationType":"SUPPRESS","subjectIds":["u0","one-more"]}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains("would suppress 10001 userIds in this workspace; the limit is 10000",
            (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString());
        var suppressions = await GetAsync($"/admin/v1/workspaces/{workspace}/suppressions?limit=1");
        Assert.Equal(10_000, suppressions.GetProperty("total").GetInt32());
        var regulations = await GetAsync($"/admin/v1/workspaces/{workspace}/regulations?limit=500");
        Assert.Equal(10, regulations.GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task Suppress_OverByteLimit_RejectedUnstored()
    {
        var (workspace, writeKey) = await CreateWorkspaceAsync();
        var longIds = Enumerable.Range(0, 1000).Select(i => $"{i:D4}-{new string('x', 500)}").ToArray();

        using var response = await _server.SendAsAdminAsync(HttpMethod.Post, $"/admin/v1/workspaces/{workspace}/regulations",
            JsonSerializer.Serialize(new { regulationType = "SUPPRESS", subjectIds = longIds }));

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains("userIds of 505000 bytes in all (UTF-8) in this workspace; the limit is 400000 bytes",
            (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString());
        var regulations = await GetAsync($"/admin/v1/workspaces/{workspace}/regulations");
        Assert.Equal(0, regulations.GetProperty("total").GetInt32());
        await TrackAsync(writeKey, longIds[0], "Stored");
        Assert.Equal(["Stored"], await EventNamesAsync(workspace, longIds[0]));
    }

    [Fact]
    public async Task Suppress_IdCleanedLikeTracking()
    {
        var (workspace, writeKey) = await CreateWorkspaceAsync();

        await CreateAsync(workspace, "SUPPRESS", ["c\u0000d"]);
        await SendAsync(writeKey, "/v1/track", """{"userId":"c\u0000d","event":"Dropped"}""");
        await SendAsync(writeKey, "/v1/track", """{"userId":"cd","event":"DroppedToo"}""");

        await AssertNoProfileAsync(workspace, "cd");
        var suppressions = await GetAsync($"/admin/v1/workspaces/{workspace}/suppressions");
        Assert.Equal("cd", Assert.Single(suppressions.GetProperty("data").EnumerateArray()).GetProperty("userId").GetString());
    }

    [Fact]
    public async Task Suppress_NumericIdMatchesNumericUserId()
    {
        var (workspace, writeKey) = await CreateWorkspaceAsync();

        using var response = await _server.SendAsAdminAsync(HttpMethod.Post, $"/admin/v1/workspaces/{workspace}/regulations",
            """{"regulationType":"SUPPRESS","subjectIds":[42,"42",4.2e1]}""");
        await JsonAssert.StatusAsync(HttpStatusCode.Accepted, response);
        var regulation = await JsonAssert.ReadAsync(response);
        await SendAsync(writeKey, "/v1/track", """{"userId":42,"event":"DroppedNumber"}""");
        await SendAsync(writeKey, "/v1/track", """{"userId":"42","event":"DroppedString"}""");
        await SendAsync(writeKey, "/v1/track", """{"userId":4.2e1,"event":"DroppedExponent"}""");
        await SendAsync(writeKey, "/v1/track", """{"userId":43,"event":"Kept"}""");

        // The tracking API keeps a number's JSON text, so 42 and 4.2e1 are two userIds, and 42 and "42" are one.
        var subjects = regulation.GetProperty("subjects").EnumerateArray().Select(s => s.GetProperty("subjectId").GetString());
        Assert.Equal(["42", "4.2e1"], subjects);
        await AssertNoProfileAsync(workspace, "42");
        await AssertNoProfileAsync(workspace, "4.2e1");
        Assert.Equal(["Kept"], await EventNamesAsync(workspace, "43"));
        var counts = await Poll.UntilAsync(
            () => SourceCountsAsync(workspace),
            c => c.GetProperty("suppressed").GetInt64() >= 3,
            c => $"the suppressed messages were not counted: {c}",
            Timeout);
        Assert.Equal(3, counts.GetProperty("suppressed").GetInt64());
    }

    private async Task<(string Workspace, string WriteKey)> CreateWorkspaceAsync()
    {
        var workspace = "reg-" + Guid.NewGuid().ToString("N")[..12];
        return (workspace, await _server.CreateWorkspaceAsync(workspace));
    }

    private async Task<JsonElement> CreateAsync(string workspace, string type, string[] subjectIds)
    {
        using var response = await _server.SendAsAdminAsync(HttpMethod.Post, $"/admin/v1/workspaces/{workspace}/regulations",
            JsonSerializer.Serialize(new { regulationType = type, subjectType = "USER_ID", subjectIds }));
        await JsonAssert.StatusAsync(HttpStatusCode.Accepted, response);
        return await JsonAssert.ReadAsync(response);
    }

    private Task<JsonElement> WaitForStatusAsync(string workspace, string regulationId) => Poll.UntilAsync(
        () => GetAsync($"/admin/v1/workspaces/{workspace}/regulations/{regulationId}"),
        regulation => regulation.GetProperty("status").GetString() != "RUNNING",
        regulation => $"the regulation did not finish: {regulation}",
        Timeout);

    private Task<JsonElement> WaitForAudienceSizeAsync(string workspace, long size) => Poll.UntilAsync(
        () => GetAsync($"/admin/v1/workspaces/{workspace}/audiences/pro"),
        audience => audience.GetProperty("size").GetInt64() == size,
        audience => $"the audience did not reach {size} members: {audience}",
        Timeout);

    private async Task TrackAsync(string writeKey, string userId, string eventName) =>
        await SendAsync(writeKey, "/v1/track", JsonSerializer.Serialize(new { userId, @event = eventName }));

    private async Task SendAsync(string writeKey, string path, string body)
    {
        using var response = await _server.PostAsync(path, body, writeKey);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
    }

    private async Task<List<string>> EventNamesAsync(string workspace, string userId)
    {
        var events = await GetAsync(ProfilePath(workspace, $"user_id:{userId}", "events"));
        return [.. events.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("event").GetString()!)];
    }

    private async Task<List<JsonElement>> GroupMembersAsync(string workspace, string groupId)
    {
        var links = await GetAsync($"/v1/spaces/{workspace}/collections/accounts/profiles/group_id:{groupId}/links");
        return [.. links.GetProperty("data").EnumerateArray()];
    }

    private async Task AssertNoProfileAsync(string workspace, string userId)
    {
        using var response = await _server.GetAsAdminAsync(ProfilePath(workspace, $"user_id:{userId}", "traits"));
        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, response);
    }

    private async Task<JsonElement> SourceCountsAsync(string workspace)
    {
        var sources = await GetAsync($"/admin/v1/workspaces/{workspace}/sources");
        var sourceId = sources.GetProperty("data")[0].GetProperty("id").GetString();
        return (await GetAsync($"/admin/v1/workspaces/{workspace}/sources/{sourceId}")).GetProperty("counts");
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        using var response = await _server.GetAsAdminAsync(path);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }

    private static string ProfilePath(string workspace, string externalId, string resource) =>
        $"/v1/spaces/{workspace}/collections/users/profiles/{Uri.EscapeDataString(externalId)}/{resource}";
}
