using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Admin;

/// <summary>Sources through the admin API: their write keys, enabling, counts and rejected messages.</summary>
[Collection(SendoraCollection.Name)]
public sealed class SourceApiTests(SendoraFixture fixture)
{
    // Counts reach the source's grain every 200 ms in tests, so a few seconds is ample.
    private static readonly TimeSpan CountsTimeout = TimeSpan.FromSeconds(10);

    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task CreateSource_NewSource_GetsOwnWriteKey()
    {
        var workspace = await CreateWorkspaceAsync();

        var response = await _server.SendAsAdminAsync(
            HttpMethod.Post, $"/admin/v1/workspaces/{workspace.Id}/sources", """{"name":"Web"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        var source = await JsonAssert.ReadAsync(response);
        Assert.Equal("Web", source.GetProperty("name").GetString());
        Assert.NotEqual(workspace.WriteKey, source.GetProperty("writeKey").GetString());
    }

    [Fact]
    public async Task CreateSource_UnknownWorkspace_Returns404()
    {
        var response = await _server.SendAsAdminAsync(
            HttpMethod.Post, "/admin/v1/workspaces/ws-none-" + Guid.NewGuid().ToString("N")[..8] + "/sources", """{"name":"Web"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, response);
    }

    [Fact]
    public async Task CreateSource_LongName_Returns400NamingLimit()
    {
        var workspace = await CreateWorkspaceAsync();

        var response = await _server.SendAsAdminAsync(HttpMethod.Post, $"/admin/v1/workspaces/{workspace.Id}/sources",
            JsonSerializer.Serialize(new { name = new string('n', 257) }));

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var detail = (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString();
        Assert.Equal("'name' must be at most 256 characters, not 257.", detail);
        var sources = await ReadAsync($"/admin/v1/workspaces/{workspace.Id}/sources");
        Assert.Equal(1, sources.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task CreateSource_NameOfMaxLength_Returns201()
    {
        var workspace = await CreateWorkspaceAsync();
        var name = string.Concat(Enumerable.Repeat("😀", 256));

        var response = await _server.SendAsAdminAsync(HttpMethod.Post, $"/admin/v1/workspaces/{workspace.Id}/sources",
            JsonSerializer.Serialize(new { name }));

        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        Assert.Equal(name, (await JsonAssert.ReadAsync(response)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task ListSources_AfterCreate_IncludesBoth()
    {
        var workspace = await CreateWorkspaceAsync();
        var added = await CreateSourceAsync(workspace.Id);

        var list = await ReadAsync($"/admin/v1/workspaces/{workspace.Id}/sources");

        var ids = list.GetProperty("data").EnumerateArray().Select(s => s.GetProperty("id").GetString());
        Assert.Equal([workspace.SourceId, added.Id], ids);
    }

    [Fact]
    public async Task NewWriteKey_Tracking_ReachesItsWorkspace()
    {
        var workspace = await CreateWorkspaceAsync();
        var source = await CreateSourceAsync(workspace.Id);
        var user = NewUser();

        await TrackAsync(source.WriteKey, user, HttpStatusCode.OK);

        var response = await _server.GetAsAdminAsync(ProfilePath(workspace.Id, user));
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = Assert.Single((await JsonAssert.ReadAsync(response)).GetProperty("data").EnumerateArray());
        Assert.Equal(source.Id, stored.GetProperty("source_id").GetString());
    }

    [Fact]
    public async Task NewWriteKey_Tracking_SkipsDefaultWorkspace()
    {
        var workspace = await CreateWorkspaceAsync();
        var source = await CreateSourceAsync(workspace.Id);
        var user = NewUser();

        await TrackAsync(source.WriteKey, user, HttpStatusCode.OK);

        var response = await _server.GetAsAdminAsync(ProfilePath("default", user));
        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, response);
    }

    [Fact]
    public async Task DefaultWriteKey_Tracking_SkipsOtherWorkspace()
    {
        var workspace = await CreateWorkspaceAsync();
        var user = NewUser();

        await TrackAsync(_server.WriteKey, user, HttpStatusCode.OK);

        var response = await _server.GetAsAdminAsync(ProfilePath(workspace.Id, user));
        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, response);
    }

    [Fact]
    public async Task SameUserId_TwoWorkspaces_KeepSeparateProfiles()
    {
        var first = await CreateWorkspaceAsync();
        var second = await CreateWorkspaceAsync();
        var user = NewUser();

        await IdentifyAsync(first.WriteKey, user, "first");
        await IdentifyAsync(second.WriteKey, user, "second");

        var traits = await ReadAsync(ProfilePath(first.Id, user, "traits"));
        Assert.Equal("first", traits.GetProperty("traits").GetProperty("workspace").GetString());
    }

    [Fact]
    public async Task DisableSource_Tracking_Returns401SourceDisabled()
    {
        var workspace = await CreateWorkspaceAsync();
        await TrackAsync(workspace.WriteKey, NewUser(), HttpStatusCode.OK);

        await SetEnabledAsync(workspace.Id, workspace.SourceId, enabled: false);
        var response = await TrackAsync(workspace.WriteKey, NewUser(), HttpStatusCode.Unauthorized);

        var body = await JsonAssert.ReadAsync(response);
        Assert.Equal("source_disabled", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task DisableSource_Response_ShowsDisabled()
    {
        var workspace = await CreateWorkspaceAsync();

        var source = await SetEnabledAsync(workspace.Id, workspace.SourceId, enabled: false);

        Assert.False(source.GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task EnableSource_AfterDisable_AcceptsTrackingAgain()
    {
        var workspace = await CreateWorkspaceAsync();
        await SetEnabledAsync(workspace.Id, workspace.SourceId, enabled: false);
        await TrackAsync(workspace.WriteKey, NewUser(), HttpStatusCode.Unauthorized);

        await SetEnabledAsync(workspace.Id, workspace.SourceId, enabled: true);

        await TrackAsync(workspace.WriteKey, NewUser(), HttpStatusCode.OK);
    }

    [Fact]
    public async Task DisableSource_OtherSourceOfWorkspace_KeepsAccepting()
    {
        var workspace = await CreateWorkspaceAsync();
        var other = await CreateSourceAsync(workspace.Id);

        await SetEnabledAsync(workspace.Id, workspace.SourceId, enabled: false);

        await TrackAsync(other.WriteKey, NewUser(), HttpStatusCode.OK);
    }

    [Fact]
    public async Task UpdateSource_WithoutEnabled_Returns400NamingEnabled()
    {
        var workspace = await CreateWorkspaceAsync();

        var response = await _server.SendAsAdminAsync(
            HttpMethod.Patch, $"/admin/v1/workspaces/{workspace.Id}/sources/{workspace.SourceId}", "{}");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var body = await JsonAssert.ReadAsync(response);
        Assert.Contains("'enabled'", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateSource_WholeNumberWithZeroFraction_IsAccepted()
    {
        var workspace = await CreateWorkspaceAsync();

        var response = await _server.SendAsAdminAsync(
            HttpMethod.Patch, $"/admin/v1/workspaces/{workspace.Id}/sources/{workspace.SourceId}", """{"volumeAlertPercent":50.0}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
    }

    [Theory]
    [InlineData("50.5", "not 50.5")]
    [InlineData("\"50\"", "not a string")]
    [InlineData("1e10", "not 1e10")]
    public async Task UpdateSource_NotWholeNumber_Returns400NamingField(string value, string actual)
    {
        var workspace = await CreateWorkspaceAsync();

        var response = await _server.SendAsAdminAsync(
            HttpMethod.Patch, $"/admin/v1/workspaces/{workspace.Id}/sources/{workspace.SourceId}", $$"""{"volumeAlertPercent":{{value}}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var detail = (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString();
        Assert.Contains("'$.volumeAlertPercent'", detail, StringComparison.Ordinal);
        Assert.Contains("must be a whole number", detail, StringComparison.Ordinal);
        Assert.Contains(actual, detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UpdateSource_UnknownSource_Returns404()
    {
        var workspace = await CreateWorkspaceAsync();

        var response = await _server.SendAsAdminAsync(
            HttpMethod.Patch, $"/admin/v1/workspaces/{workspace.Id}/sources/src_none", """{"enabled":false}""");

        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, response);
    }

    [Fact]
    public async Task GetSource_AfterTracking_ShowsCounts()
    {
        var workspace = await CreateWorkspaceAsync();
        var user = NewUser();
        var response = await _server.PostAsync("/v1/batch",
            $$"""
            {"batch":[
              {"type":"track","userId":"{{user}}","event":"A","messageId":"{{user}}-1"},
              {"type":"track","userId":"{{user}}","event":"B","messageId":"{{user}}-2"},
              {"type":"track","userId":"{{user}}","event":"A","messageId":"{{user}}-1"},
              {"type":"track","userId":"{{user}}"}
            ]}
            """,
            workspace.WriteKey);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);

        var counts = await WaitForCountsAsync(workspace, c => c.GetProperty("accepted").GetInt64() >= 2
            && c.GetProperty("duplicates").GetInt64() >= 1);

        Assert.Equal(2, counts.GetProperty("accepted").GetInt64());
        Assert.Equal(1, counts.GetProperty("duplicates").GetInt64());
        Assert.Equal(1, counts.GetProperty("rejected").GetInt64());
        Assert.Equal(1, counts.GetProperty("rejectedByCode").GetProperty("missing_event").GetInt64());
    }

    [Fact]
    public async Task GetSource_RepeatedRequest_CountsDuplicatesNotAccepted()
    {
        var workspace = await CreateWorkspaceAsync();
        var user = NewUser();
        var body = $$"""{"userId":"{{user}}","event":"A","messageId":"{{user}}-once"}""";
        await JsonAssert.StatusAsync(HttpStatusCode.OK, await _server.PostAsync("/v1/track", body, workspace.WriteKey));
        await JsonAssert.StatusAsync(HttpStatusCode.OK, await _server.PostAsync("/v1/track", body, workspace.WriteKey));

        var counts = await WaitForCountsAsync(workspace, c => c.GetProperty("duplicates").GetInt64() >= 1);

        Assert.Equal(1, counts.GetProperty("accepted").GetInt64());
        Assert.Equal(1, counts.GetProperty("duplicates").GetInt64());
    }

    [Fact]
    public async Task GetSource_UnknownSource_Returns404()
    {
        var workspace = await CreateWorkspaceAsync();

        var response = await _server.GetAsAdminAsync($"/admin/v1/workspaces/{workspace.Id}/sources/src_none");

        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, response);
    }

    [Fact]
    public async Task ListRejections_TwoRequests_NewestFirst()
    {
        var workspace = await CreateWorkspaceAsync();
        var user = NewUser();
        var batch = await _server.PostAsync("/v1/batch",
            $$"""{"batch":[{"type":"track","userId":"{{user}}","event":"A"},{"type":"track","userId":"{{user}}","properties":{"k":1} } ]}""",
            workspace.WriteKey);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, batch);
        var single = await _server.PostAsync("/v1/track", """{"event":"No identity"}""", workspace.WriteKey);
        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, single);

        var list = await ReadAsync($"/admin/v1/workspaces/{workspace.Id}/sources/{workspace.SourceId}/rejections");

        var rejections = list.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(2, list.GetProperty("total").GetInt64());
        Assert.Equal(["missing_identity", "missing_event"], rejections.Select(r => r.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task ListRejections_BatchItem_KeepsDetails()
    {
        var workspace = await CreateWorkspaceAsync();
        var user = NewUser();
        await _server.PostAsync("/v1/batch",
            $$"""{"batch":[{"type":"track","userId":"{{user}}","event":"A"},{"type":"track","userId":"{{user}}","properties":{"k":1} } ]}""",
            workspace.WriteKey);

        var list = await ReadAsync($"/admin/v1/workspaces/{workspace.Id}/sources/{workspace.SourceId}/rejections");

        var rejection = Assert.Single(list.GetProperty("data").EnumerateArray());
        Assert.Equal(1, rejection.GetProperty("index").GetInt32());
        Assert.Equal("/v1/batch", rejection.GetProperty("path").GetString());
        Assert.Contains("\"event\"", rejection.GetProperty("message").GetString(), StringComparison.Ordinal);
        using var kept = JsonDocument.Parse(rejection.GetProperty("body").GetString()!);
        Assert.Equal(user, kept.RootElement.GetProperty("userId").GetString());
        Assert.Equal(1, kept.RootElement.GetProperty("properties").GetProperty("k").GetInt32());
    }

    [Fact]
    public async Task ListRejections_SingleMessage_HasNoIndex()
    {
        var workspace = await CreateWorkspaceAsync();
        await _server.PostAsync("/v1/track", """{"event":"No identity"}""", workspace.WriteKey);

        var list = await ReadAsync($"/admin/v1/workspaces/{workspace.Id}/sources/{workspace.SourceId}/rejections");

        var rejection = Assert.Single(list.GetProperty("data").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, rejection.GetProperty("index").ValueKind);
    }

    [Fact]
    public async Task ListRejections_Limit_ReturnsNewest()
    {
        var workspace = await CreateWorkspaceAsync();
        await _server.PostAsync("/v1/track", """{"event":"First"}""", workspace.WriteKey);
        await _server.PostAsync("/v1/track", """{"userId":"u"}""", workspace.WriteKey);

        var list = await ReadAsync(
            $"/admin/v1/workspaces/{workspace.Id}/sources/{workspace.SourceId}/rejections?limit=1");

        var rejection = Assert.Single(list.GetProperty("data").EnumerateArray());
        Assert.Equal("missing_event", rejection.GetProperty("code").GetString());
    }

    [Fact]
    public async Task ListRejections_WithoutToken_Returns401()
    {
        var workspace = await CreateWorkspaceAsync();

        var response = await _server.Http.GetAsync(
            $"/admin/v1/workspaces/{workspace.Id}/sources/{workspace.SourceId}/rejections");

        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
    }

    [Fact]
    public async Task GetSource_WithoutToken_Returns401()
    {
        var workspace = await CreateWorkspaceAsync();

        var response = await _server.Http.GetAsync($"/admin/v1/workspaces/{workspace.Id}/sources/{workspace.SourceId}");

        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
    }

    [Fact]
    public async Task UpdateSource_WithoutToken_LeavesSourceEnabled()
    {
        var workspace = await CreateWorkspaceAsync();
        var request = new HttpRequestMessage(HttpMethod.Patch, $"/admin/v1/workspaces/{workspace.Id}/sources/{workspace.SourceId}")
        {
            Content = new StringContent("""{"enabled":false}""", System.Text.Encoding.UTF8, "application/json"),
        };

        var response = await _server.Http.SendAsync(request);

        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
        await TrackAsync(workspace.WriteKey, NewUser(), HttpStatusCode.OK);
    }

    private async Task<(string Id, string SourceId, string WriteKey)> CreateWorkspaceAsync()
    {
        var id = "ws-" + Guid.NewGuid().ToString("N")[..16];
        var response = await _server.SendAsAdminAsync(
            HttpMethod.Post, "/admin/v1/workspaces", JsonSerializer.Serialize(new { id, name = "Sources" }));
        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        var source = (await JsonAssert.ReadAsync(response)).GetProperty("sources")[0];
        return (id, source.GetProperty("id").GetString()!, source.GetProperty("writeKey").GetString()!);
    }

    private async Task<(string Id, string WriteKey)> CreateSourceAsync(string workspaceId)
    {
        var response = await _server.SendAsAdminAsync(
            HttpMethod.Post, $"/admin/v1/workspaces/{workspaceId}/sources", """{"name":"Server"}""");
        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        var source = await JsonAssert.ReadAsync(response);
        return (source.GetProperty("id").GetString()!, source.GetProperty("writeKey").GetString()!);
    }

    private async Task<JsonElement> SetEnabledAsync(string workspaceId, string sourceId, bool enabled)
    {
        var response = await _server.SendAsAdminAsync(
            HttpMethod.Patch, $"/admin/v1/workspaces/{workspaceId}/sources/{sourceId}",
            JsonSerializer.Serialize(new { enabled }));
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }

    private async Task<HttpResponseMessage> TrackAsync(string writeKey, string user, HttpStatusCode expected)
    {
        var response = await _server.PostAsync("/v1/track", $$"""{"userId":"{{user}}","event":"Clicked"}""", writeKey);
        await JsonAssert.StatusAsync(expected, response);
        return response;
    }

    private async Task IdentifyAsync(string writeKey, string user, string workspace)
    {
        var body = JsonSerializer.Serialize(new { userId = user, traits = new { workspace } });
        await JsonAssert.StatusAsync(HttpStatusCode.OK, await _server.PostAsync("/v1/identify", body, writeKey));
    }

    // Polls the source until its counts satisfy `done`, because accepted and duplicate counts are flushed in the background.
    private async Task<JsonElement> WaitForCountsAsync(
        (string Id, string SourceId, string WriteKey) workspace, Func<JsonElement, bool> done)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var source = await ReadAsync($"/admin/v1/workspaces/{workspace.Id}/sources/{workspace.SourceId}");
            var counts = source.GetProperty("counts");
            if (done(counts) || watch.Elapsed > CountsTimeout)
            {
                return counts;
            }

            await Task.Delay(100);
        }
    }

    private async Task<JsonElement> ReadAsync(string path)
    {
        var response = await _server.GetAsAdminAsync(path);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }

    private static string ProfilePath(string workspaceId, string user, string resource = "events") =>
        $"/v1/spaces/{workspaceId}/collections/users/profiles/{Uri.EscapeDataString("user_id:" + user)}/{resource}";

    private static string NewUser() => "src-" + Guid.NewGuid().ToString("N");
}
