using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Audiences;

/// <summary>The admin API for audiences and computed traits: validation, changes, audit, members and estimates.</summary>
[Collection(SendoraCollection.Name)]
public sealed class AudienceApiTests(SendoraFixture fixture)
{
    [Fact]
    public async Task Create_UnknownOperator_Returns400WithPath()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);

        using var response = await workspace.PostAudienceAsync(
            """{"name":"bad","condition":{"all":[{"trait":"plan","operator":"resembles","value":"pro"}]}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var body = await JsonAssert.ReadAsync(response);
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal("$.condition.all[0].operator", error.GetProperty("path").GetString());
        Assert.Contains("resembles", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Create_WrongValueType_Returns400WithPath()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);

        using var response = await workspace.PostAudienceAsync(
            """{"name":"bad","condition":{"event":"Order Completed","count":{"at_least":"three"}}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var body = await JsonAssert.ReadAsync(response);
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal("$.condition.count.at_least", error.GetProperty("path").GetString());
    }

    [Fact]
    public async Task Create_TwoThousandNodes_IsRejected()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        var leaves = string.Join(",", Enumerable.Range(0, 2_000).Select(i => $$$"""{"trait":"t{{{i}}}","operator":"exists"}"""));

        using var response = await workspace.PostAudienceAsync($$$"""{"name":"huge","condition":{"any":[{{{leaves}}}]}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var body = await JsonAssert.ReadAsync(response);
        Assert.Matches("1,?000", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Update_ClosingCycle_IsRejected()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAudienceAsync("first", """{"trait":"plan","operator":"exists"}""");
        await workspace.CreateAudienceAsync("second", """{"audience":"first"}""");

        using var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Put, $"{workspace.AudiencesPath}/first",
            """{"condition":{"audience":"second"}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var body = await JsonAssert.ReadAsync(response);
        Assert.Contains("first -> second -> first", body.GetProperty("detail").GetString());
        var stored = await workspace.GetAsync($"{workspace.AudiencesPath}/first");
        Assert.Equal("plan", stored.GetProperty("audience").GetProperty("condition").GetProperty("trait").GetString());
    }

    [Fact]
    public async Task Create_UnknownAudienceReference_IsRejected()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);

        using var response = await workspace.PostAudienceAsync("""{"name":"ref","condition":{"audience":"missing"}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains("missing", (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Changes_AreAuditedWithBeforeAndAfter()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAudienceAsync("pro", """{"trait":"plan","operator":"equals","value":"pro"}""");
        using (var update = await fixture.Server.SendAsAdminAsync(HttpMethod.Put, $"{workspace.AudiencesPath}/pro",
            """{"condition":{"trait":"plan","operator":"equals","value":"enterprise"}}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, update);
            var body = await JsonAssert.ReadAsync(update);
            Assert.Equal(2, body.GetProperty("audience").GetProperty("version").GetInt32());
        }

        using (var delete = await fixture.Server.SendAsAdminAsync(HttpMethod.Delete, $"{workspace.AudiencesPath}/pro", "{}"))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.NoContent, delete);
        }

        var audit = await workspace.GetAsync($"/admin/v1/workspaces/{workspace.Id}/audit?target=workspaces/{workspace.Id}/audiences/pro");
        var entries = audit.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["audience.delete", "audience.update", "audience.create"], entries.Select(e => e.GetProperty("action").GetString()));
        Assert.Contains("enterprise", entries[1].GetProperty("after").GetString());
        Assert.Contains("\"pro\"", entries[1].GetProperty("before").GetString());
        Assert.Equal("admin", entries[0].GetProperty("actor").GetString());
        using var gone = await fixture.Server.GetAsAdminAsync($"{workspace.AudiencesPath}/pro");
        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, gone);
    }

    [Fact]
    public async Task Recreated_AudienceEntersMembersAgain()
    {
        const string condition = """{"trait":"plan","operator":"equals","value":"pro"}""";
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAudienceAsync("pro", condition);
        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"plan":"pro"}}""");
        var entered = await workspace.MembershipsAsync("user_id:u1");
        using (var delete = await fixture.Server.SendAsAdminAsync(HttpMethod.Delete, $"{workspace.AudiencesPath}/pro", "{}"))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.NoContent, delete);
        }

        await workspace.CreateAudienceAsync("pro", condition);
        var progress = await workspace.WaitForBackfillAsync(AudienceWorkspace.BackfillTimeout);

        Assert.Equal(["pro"], entered);
        Assert.Equal(1, progress.GetProperty("membershipChanges").GetInt64());
        var audience = await workspace.GetAsync($"{workspace.AudiencesPath}/pro");
        Assert.Equal(1, audience.GetProperty("size").GetInt64());
        Assert.Equal(["pro"], await workspace.MembershipsAsync("user_id:u1"));

        // Leaving the new audience is an exit after its own enter, not one for the deleted audience.
        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"plan":"free"}}""");
        Assert.Empty(await workspace.MembershipsAsync("user_id:u1"));
        var left = await workspace.GetAsync($"{workspace.AudiencesPath}/pro");
        Assert.Equal(0, left.GetProperty("size").GetInt64());
        Assert.Equal(1, left.GetProperty("enters").GetInt64());
        Assert.Equal(1, left.GetProperty("exits").GetInt64());
    }

    [Fact]
    public async Task Disabled_AudienceIsNotEvaluated()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAudienceAsync("pro", """{"trait":"plan","operator":"equals","value":"pro"}""");
        using (var disable = await fixture.Server.SendAsAdminAsync(HttpMethod.Put, $"{workspace.AudiencesPath}/pro", """{"enabled":false}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, disable);
        }

        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"plan":"pro"}}""");

        Assert.Empty(await workspace.MembershipsAsync("user_id:u1"));
    }

    [Fact]
    public async Task EventsOfOtherProfiles_DoNotCount()
    {
        // Profiles with longer and shorter histories, and events alike but for their properties, are evaluated one after
        // another. Each counts only its own events that match the property.
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAudienceAsync("big", """
            {"event":"Order Completed","count":{"at_least":3},
             "where":{"property":"total","operator":"greater_than","value":100}}
            """);
        var orders = new (string User, int Count, int Total)[]
        {
            ("long", 6, 500), ("short", 1, 500), ("small", 3, 50), ("long2", 5, 200), ("two", 2, 500), ("exact", 3, 101),
        };
        for (var round = 0; round < 6; round++)
        {
            foreach (var (user, _, total) in orders.Where(o => o.Count > round))
            {
                await workspace.SendAsync("/v1/track",
                    $$$"""{"userId":"{{{user}}}","event":"Order Completed","properties":{"total":{{{total}}}}}""");
            }
        }

        foreach (var (user, count, total) in orders)
        {
            string[] expected = count >= 3 && total > 100 ? ["big"] : [];
            Assert.Equal(expected, await workspace.MembershipsAsync($"user_id:{user}"));
        }
    }

    [Fact]
    public async Task Backfill_AddsExistingProfiles()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        foreach (var (user, plan) in new[] { ("a", "pro"), ("b", "free"), ("c", "pro") })
        {
            await workspace.SendAsync("/v1/identify", $$$"""{"userId":"{{{user}}}","traits":{"plan":"{{{plan}}}"}}""");
        }

        await workspace.CreateAudienceAsync("pro", """{"trait":"plan","operator":"equals","value":"pro"}""");
        var progress = await workspace.WaitForBackfillAsync(AudienceWorkspace.BackfillTimeout);

        Assert.Equal(3, progress.GetProperty("profilesEvaluated").GetInt64());
        Assert.Equal(2, progress.GetProperty("membershipChanges").GetInt64());
        var audience = await workspace.GetAsync($"{workspace.AudiencesPath}/pro");
        Assert.Equal(2, audience.GetProperty("size").GetInt64());
        var members = await workspace.GetAsync($"{workspace.AudiencesPath}/pro/members?limit=1");
        Assert.Single(members.GetProperty("data").EnumerateArray());
        var next = members.GetProperty("next").GetString();
        var rest = await workspace.GetAsync($"{workspace.AudiencesPath}/pro/members?limit=10&next={next}");
        Assert.Single(rest.GetProperty("data").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("next").ValueKind);
        Assert.Equal(["pro"], await workspace.MembershipsAsync("user_id:c"));
    }

    [Fact]
    public async Task Backfill_ProfilesAcrossShards_EvaluatesEachOnce()
    {
        // 150 profiles spread over the 64 index shards leave on average about 6 of them empty, between and after full ones, so
        // the backfill lists ahead past empty shards and must still evaluate every profile once.
        const int profiles = 150;
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        var batch = string.Join(",", Enumerable.Range(0, profiles).Select(i =>
            $$$"""{"type":"identify","userId":"s{{{i}}}","traits":{"tier":"{{{(i % 3 == 0 ? "gold" : "silver")}}}"}}"""));
        await workspace.SendAsync("/v1/batch", $$"""{"batch":[{{batch}}]}""");

        await workspace.CreateAudienceAsync("gold", """{"trait":"tier","operator":"equals","value":"gold"}""");
        var progress = await workspace.WaitForBackfillAsync(AudienceWorkspace.BackfillTimeout);

        Assert.Equal(profiles, progress.GetProperty("profilesEvaluated").GetInt64());
        Assert.Equal(profiles / 3, progress.GetProperty("membershipChanges").GetInt64());
        var audience = await workspace.GetAsync($"{workspace.AudiencesPath}/gold");
        Assert.Equal(profiles / 3, audience.GetProperty("size").GetInt64());
        Assert.Equal(["gold"], await workspace.MembershipsAsync("user_id:s147"));
        Assert.Empty(await workspace.MembershipsAsync("user_id:s148"));
    }

    [Fact]
    public async Task Backfill_PackedProfiles_EnterByEvent()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        foreach (var user in new[] { "a", "b", "c" })
        {
            await workspace.SendAsync("/v1/identify", $$$"""{"userId":"{{{user}}}","traits":{"plan":"pro"}}""");
            await workspace.SendAsync("/v1/track", $$$"""{"userId":"{{{user}}}","event":"Product Viewed","properties":{"sku":"s-1"}}""");
        }

        // Longer than the idle time after which the profiles keep their states packed.
        await Task.Delay(SendoraServer.PackAfterIdle * 4);
        await workspace.CreateAudienceAsync("viewers", """{"event":"Product Viewed"}""");
        var progress = await workspace.WaitForBackfillAsync(AudienceWorkspace.BackfillTimeout);

        Assert.Equal(3, progress.GetProperty("profilesEvaluated").GetInt64());
        Assert.Equal(3, progress.GetProperty("membershipChanges").GetInt64());
        Assert.Equal(["viewers"], await workspace.MembershipsAsync("user_id:b"));
    }

    [Fact]
    public async Task Estimate_MissingReference_Returns400()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);

        using var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Post, $"{workspace.AudiencesPath}/estimate",
            """{"condition":{"any":[{"audience":"missing"},{"computed_trait":"spend","operator":"exists"}]}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var detail = (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString();
        Assert.Contains("audience 'missing'", detail);
        Assert.Contains("computed trait 'spend'", detail);
    }

    [Fact]
    public async Task Estimate_EmptyWorkspace_IsExactZero()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);

        using var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Post, $"{workspace.AudiencesPath}/estimate",
            """{"condition":{"trait":"plan","operator":"exists"}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var estimate = await JsonAssert.ReadAsync(response);
        Assert.Equal(0, estimate.GetProperty("estimate").GetInt64());
        Assert.True(estimate.GetProperty("exact").GetBoolean());
    }

    [Fact]
    public async Task Estimate_CountsMatchingProfiles()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        foreach (var (user, plan) in new[] { ("a", "pro"), ("b", "free"), ("c", "pro"), ("d", "pro") })
        {
            await workspace.SendAsync("/v1/identify", $$$"""{"userId":"{{{user}}}","traits":{"plan":"{{{plan}}}"}}""");
        }

        using var response = await fixture.Server.SendAsAdminAsync(HttpMethod.Post, $"{workspace.AudiencesPath}/estimate",
            """{"condition":{"trait":"plan","operator":"equals","value":"pro"}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var estimate = await JsonAssert.ReadAsync(response);
        Assert.Equal(3, estimate.GetProperty("estimate").GetInt64());
        Assert.Equal(4, estimate.GetProperty("evaluated").GetInt64());
        Assert.True(estimate.GetProperty("exact").GetBoolean());
        var audiences = await workspace.GetAsync(workspace.AudiencesPath);
        Assert.Empty(audiences.GetProperty("data").EnumerateArray());
    }
}
