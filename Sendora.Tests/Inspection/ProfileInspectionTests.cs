using System.Net;
using System.Text.Json;
using Sendora.Tests.Audiences;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Inspection;

/// <summary>Inspection of live profiles through the admin API, on a server with its silo inside.</summary>
[Collection(SendoraCollection.Name)]
public sealed class ProfileInspectionTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task Profile_AfterIdentify_ShowsTraitsAndIds()
    {
        var workspace = await AudienceWorkspace.CreateAsync(_server);
        await workspace.SendAsync("/v1/identify",
            """{"userId":"ada","anonymousId":"anon-ada","traits":{"plan":"pro","address":{"city":"Oslo"}}}""");

        var inspection = await workspace.GetAsync(InspectPath(workspace, "user_id:ada"));

        var grain = inspection.GetProperty("grain");
        var state = grain.GetProperty("state");
        Assert.True(grain.GetProperty("exists").GetBoolean());
        Assert.False(string.IsNullOrEmpty(grain.GetProperty("silo").GetString()));
        Assert.False(string.IsNullOrEmpty(grain.GetProperty("etag").GetString()));
        Assert.Equal("pro", state.GetProperty("traits").GetProperty("plan").GetString());
        Assert.Equal("Oslo", state.GetProperty("traits").GetProperty("address").GetProperty("city").GetString());
        Assert.Equal(["anonymous_id:anon-ada", "user_id:ada"], ExternalIds(state).Order(StringComparer.Ordinal));
        Assert.Equal(1, state.GetProperty("appliedCount").GetInt64());
        Assert.Equal("user_id:ada", inspection.GetProperty("resolution").GetProperty("externalId").GetString());
        Assert.Equal(inspection.GetProperty("profileId").GetString(),
            inspection.GetProperty("resolution").GetProperty("identityProfileId").GetString());
        Assert.Equal(grain.GetProperty("grainId").GetString(), $"profile/{workspace.Id}/{inspection.GetProperty("profileId").GetString()}");
    }

    [Fact]
    public async Task Profile_Inspected_StaysUnchanged()
    {
        var workspace = await AudienceWorkspace.CreateAsync(_server);
        await workspace.CreateAudienceAsync("buyers", """{"event":"Order Completed","window":{"last":{"days":7}}}""");
        await workspace.SendAsync("/v1/track", """{"userId":"bob","event":"Order Completed","properties":{"total":12}}""");
        await WaitForMembershipAsync(workspace, "user_id:bob", "buyers");
        var first = await WaitUntilSettledAsync(workspace, "user_id:bob");
        var stored = new StoredGrains(_server);
        var profileId = first.GetProperty("profileId").GetString()!;
        var etagBefore = await stored.ProfileETagAsync(workspace.Id, profileId);
        var remindersBefore = await stored.ProfileRemindersAsync(workspace.Id, profileId);

        await workspace.GetAsync(InspectPath(workspace, profileId));
        await workspace.GetAsync(InspectPath(workspace, "user_id:bob") + "/audiences");
        await workspace.GetAsync(InspectPath(workspace, "user_id:bob") + "/audiences/buyers");
        var second = await workspace.GetAsync(InspectPath(workspace, "user_id:bob"));

        Assert.NotNull(etagBefore);
        Assert.Equal(etagBefore, await stored.ProfileETagAsync(workspace.Id, profileId));
        Assert.Equal(remindersBefore, await stored.ProfileRemindersAsync(workspace.Id, profileId));
        Assert.Equal(etagBefore, second.GetProperty("grain").GetProperty("etag").GetString());
        Assert.Equal(first.GetProperty("grain").GetProperty("state").GetRawText(), second.GetProperty("grain").GetProperty("state").GetRawText());
        Assert.Equal(first.GetProperty("grain").GetProperty("activationId").GetString(),
            second.GetProperty("grain").GetProperty("activationId").GetString());
    }

    [Fact]
    public async Task Profile_AfterMerge_ShowsSurvivorWithBothDevices()
    {
        var workspace = await AudienceWorkspace.CreateAsync(_server);
        await workspace.SendAsync("/v1/track", """{"anonymousId":"phone","event":"Viewed","messageId":"m-phone"}""");
        await workspace.SendAsync("/v1/track", """{"anonymousId":"laptop","event":"Viewed","messageId":"m-laptop"}""");
        var phoneProfile = (await workspace.GetAsync(InspectPath(workspace, "anonymous_id:phone"))).GetProperty("profileId").GetString();
        var laptopProfile = (await workspace.GetAsync(InspectPath(workspace, "anonymous_id:laptop"))).GetProperty("profileId").GetString();
        await workspace.SendAsync("/v1/identify", """{"userId":"cy","anonymousId":"phone","traits":{"name":"Cy"}}""");
        await workspace.SendAsync("/v1/identify", """{"userId":"cy","anonymousId":"laptop"}""");

        var survivor = await workspace.GetAsync(InspectPath(workspace, "user_id:cy"));
        var viaLaptop = await workspace.GetAsync(InspectPath(workspace, "anonymous_id:laptop"));

        var state = survivor.GetProperty("grain").GetProperty("state");
        Assert.Equal(["anonymous_id:laptop", "anonymous_id:phone", "user_id:cy"], ExternalIds(state).Order(StringComparer.Ordinal));
        Assert.Equal("Cy", state.GetProperty("traits").GetProperty("name").GetString());
        Assert.Equal(1, state.GetProperty("merges").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, state.GetProperty("mergedInto").ValueKind);
        Assert.Equal(survivor.GetProperty("profileId").GetString(), viaLaptop.GetProperty("profileId").GetString());

        // The absorbed profile, inspected by its own id, shows where it forwards.
        var absorbedId = state.GetProperty("merges")[0].GetProperty("absorbedProfileId").GetString()!;
        var absorbed = await workspace.GetAsync(InspectPath(workspace, absorbedId));
        var absorbedState = absorbed.GetProperty("grain").GetProperty("state");
        Assert.Equal(survivor.GetProperty("profileId").GetString(), absorbedState.GetProperty("mergedInto").GetString());
        Assert.Empty(absorbed.GetProperty("audiences").GetProperty("audiences").EnumerateArray());
        Assert.Equal(
            new[] { phoneProfile, laptopProfile }.Order(StringComparer.Ordinal),
            new[] { absorbedId, survivor.GetProperty("profileId").GetString() }.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Profile_InAudience_ExplainsEachCondition()
    {
        var workspace = await AudienceWorkspace.CreateAsync(_server);
        await workspace.CreateAudienceAsync("pro-buyers", """
            {"all":[{"trait":"plan","operator":"equals","value":"pro"},{"event":"Order Completed","count":{"at_least":1}}]}
            """);
        await workspace.CreateAudienceAsync("enterprise", """{"trait":"plan","operator":"equals","value":"enterprise"}""");
        await workspace.SendAsync("/v1/identify", """{"userId":"dee","traits":{"plan":"pro"}}""");
        await workspace.SendAsync("/v1/track", """{"userId":"dee","event":"Order Completed"}""");
        await WaitForMembershipAsync(workspace, "user_id:dee", "pro-buyers");

        var inspection = await workspace.GetAsync(InspectPath(workspace, "user_id:dee"));

        var audiences = inspection.GetProperty("audiences").GetProperty("audiences").EnumerateArray()
            .ToDictionary(a => a.GetProperty("audienceId").GetString()!);
        var proBuyers = audiences["pro-buyers"];
        Assert.True(proBuyers.GetProperty("matches").GetBoolean());
        Assert.Equal(JsonValueKind.Object, proBuyers.GetProperty("membership").ValueKind);
        var trace = proBuyers.GetProperty("trace");
        Assert.Equal("all of 2 conditions", trace.GetProperty("description").GetString());
        Assert.Equal(["$.all[0]", "$.all[1]"], trace.GetProperty("children").EnumerateArray().Select(c => c.GetProperty("path").GetString()));
        Assert.All(trace.GetProperty("children").EnumerateArray(), child => Assert.True(child.GetProperty("result").GetBoolean()));
        var enterprise = audiences["enterprise"];
        Assert.False(enterprise.GetProperty("matches").GetBoolean());
        Assert.Equal(JsonValueKind.Null, enterprise.GetProperty("membership").ValueKind);
        Assert.Equal("trait \"plan\" equals \"enterprise\"", enterprise.GetProperty("trace").GetProperty("description").GetString());
        var memberships = inspection.GetProperty("grain").GetProperty("state").GetProperty("audiences").GetProperty("memberships");
        Assert.True(memberships.TryGetProperty("pro-buyers", out _));
        Assert.False(memberships.TryGetProperty("enterprise", out _));
    }

    [Fact]
    public async Task ExplainAudience_OneOrUnknown_ReturnsItOr404()
    {
        var workspace = await AudienceWorkspace.CreateAsync(_server);
        await workspace.CreateAudienceAsync("pros", """{"trait":"plan","operator":"equals","value":"pro"}""");
        await workspace.CreateAudienceAsync("free", """{"trait":"plan","operator":"equals","value":"free"}""");
        await workspace.SendAsync("/v1/identify", """{"userId":"eve","traits":{"plan":"pro"}}""");

        var one = await workspace.GetAsync(InspectPath(workspace, "user_id:eve") + "/audiences/pros");
        using var unknown = await _server.GetAsAdminAsync(InspectPath(workspace, "user_id:eve") + "/audiences/nope");

        var explained = Assert.Single(one.GetProperty("audiences").EnumerateArray());
        Assert.Equal("pros", explained.GetProperty("audienceId").GetString());
        Assert.True(explained.GetProperty("matches").GetBoolean());
        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, unknown);
    }

    [Fact]
    public async Task Profile_LargeCollections_AreCutAndListed()
    {
        var workspace = await AudienceWorkspace.CreateAsync(_server);
        var events = Enumerable.Range(0, 60).Select(i => $$"""{"type":"track","userId":"fay","event":"Viewed {{i}}"}""");
        await workspace.SendAsync("/v1/batch", $$"""{"batch":[{{string.Join(",", events)}}]}""");

        var inspection = await workspace.GetAsync(InspectPath(workspace, "user_id:fay") + "?maxItems=50");

        var grain = inspection.GetProperty("grain");
        var cuts = grain.GetProperty("truncated").EnumerateArray().ToDictionary(c => c.GetProperty("path").GetString()!);
        Assert.Equal(50, grain.GetProperty("state").GetProperty("recentEvents").GetArrayLength());
        Assert.Equal(60, cuts["$.recentEvents"].GetProperty("count").GetInt32());
        Assert.Equal(50, cuts["$.recentEvents"].GetProperty("kept").GetInt32());
        Assert.Equal(60, cuts["$.counters"].GetProperty("count").GetInt32());
        Assert.Equal(60, grain.GetProperty("state").GetProperty("appliedCount").GetInt64());
    }

    [Fact]
    public async Task Profile_Idle_ShowsPackedSize()
    {
        var workspace = await AudienceWorkspace.CreateAsync(_server);
        await workspace.SendAsync("/v1/identify", """{"userId":"gus","traits":{"plan":"pro","city":"Zürich"}}""");
        await workspace.SendAsync("/v1/track", """{"userId":"gus","event":"Viewed","properties":{"sku":"a-1"}}""");
        var unpacked = await workspace.GetAsync(InspectPath(workspace, "user_id:gus"));

        var packed = await WaitUntilPackedAsync(workspace, "user_id:gus");

        Assert.False(unpacked.GetProperty("grain").TryGetProperty("packedBytes", out _), unpacked.GetProperty("grain").ToString());
        Assert.True(packed.GetProperty("grain").GetProperty("packedBytes").GetInt32() > 0);
        Assert.Equal(
            unpacked.GetProperty("grain").GetProperty("state").GetRawText(),
            packed.GetProperty("grain").GetProperty("state").GetRawText());
    }

    private static string InspectPath(AudienceWorkspace workspace, string profile) =>
        $"/admin/v1/workspaces/{workspace.Id}/inspect/profiles/{Uri.EscapeDataString(profile)}";

    private static IEnumerable<string> ExternalIds(JsonElement state) =>
        state.GetProperty("externalIds").EnumerateArray()
            .Select(id => $"{id.GetProperty("type").GetString()}:{id.GetProperty("id").GetString()}");

    /// <summary>
    /// Inspects the profile until both outboxes are empty, which means the calls that send them, and the writes that
    /// follow, have finished, so that a later write can only come from the inspection.
    /// </summary>
    private static async Task<JsonElement> WaitUntilSettledAsync(AudienceWorkspace workspace, string externalId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var inspection = await workspace.GetAsync(InspectPath(workspace, externalId));
            var state = inspection.GetProperty("grain").GetProperty("state");
            if (state.GetProperty("audiences").GetProperty("outbox").GetArrayLength() == 0
                && state.GetProperty("journeys").GetProperty("outbox").GetArrayLength() == 0)
            {
                return inspection;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The outboxes of {externalId} were not sent within 30 seconds: {state}");
            }

            await Task.Delay(100);
        }
    }

    // Each inspection unpacks the profile, so the polls are further apart than the idle time.
    private static async Task<JsonElement> WaitUntilPackedAsync(AudienceWorkspace workspace, string externalId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            await Task.Delay(SendoraServer.PackAfterIdle * 2.5);
            var inspection = await workspace.GetAsync(InspectPath(workspace, externalId));
            if (inspection.GetProperty("grain").TryGetProperty("packedBytes", out _))
            {
                return inspection;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{externalId} did not pack its state within 60 seconds.");
            }
        }
    }

    private static async Task WaitForMembershipAsync(AudienceWorkspace workspace, string externalId, string audienceId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!(await workspace.MembershipsAsync(externalId)).Contains(audienceId))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{externalId} did not enter audience {audienceId} within 30 seconds.");
            }

            await Task.Delay(100);
        }
    }
}
