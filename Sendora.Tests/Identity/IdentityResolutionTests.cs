using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sendora.Gateway.Identity;
using Sendora.Grains.Identity;
using Sendora.Grains.Ingestion;
using Sendora.Tests.Infrastructure;
using Sendora.Tests.Tracking;

namespace Sendora.Tests.Identity;

/// <summary>Identity resolution through the real gateway, with messages as SDKs send them.</summary>
[Collection(SendoraCollection.Name)]
public sealed class IdentityResolutionTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task TwoDevicesThenIdentify_EndInOneProfile()
    {
        var run = Unique();
        await SendOkAsync("/v1/page", $$$"""{"anonymousId":"phone-{{{run}}}","name":"Home","messageId":"p1-{{{run}}}"}""");
        await SendOkAsync("/v1/track", $$$"""{"anonymousId":"laptop-{{{run}}}","event":"Viewed","messageId":"t1-{{{run}}}"}""");
        await SendOkAsync("/v1/identify", $$$"""{"userId":"user-{{{run}}}","anonymousId":"phone-{{{run}}}","messageId":"i1-{{{run}}}"}""");
        await SendOkAsync("/v1/identify", $$$"""{"userId":"user-{{{run}}}","anonymousId":"laptop-{{{run}}}","messageId":"i2-{{{run}}}"}""");

        var ids = await ExternalIdsAsync($"user_id:user-{run}");
        Assert.Contains($"anonymous_id:phone-{run}", ids);
        Assert.Contains($"anonymous_id:laptop-{run}", ids);
        var events = await MessageIdsAsync($"anonymous_id:laptop-{run}");
        Assert.Equal(new[] { "p1", "t1", "i1", "i2" }.Select(m => $"{m}-{run}").Order(), events.Order());
    }

    [Fact]
    public async Task SharedDevice_KeepsTwoProfilesAndAnonymousEventsWithFirstUser()
    {
        var run = Unique();
        await SendOkAsync("/v1/identify", $$$"""{"userId":"a-{{{run}}}","anonymousId":"shared-{{{run}}}","traits":{"name":"A"}}""");
        await SendOkAsync("/v1/track", $$$"""{"anonymousId":"shared-{{{run}}}","event":"Browsed","messageId":"anon-{{{run}}}"}""");
        await SendOkAsync("/v1/identify", $$$"""{"userId":"b-{{{run}}}","anonymousId":"shared-{{{run}}}","traits":{"name":"B"}}""");

        var traitsA = await TraitsAsync($"user_id:a-{run}");
        var traitsB = await TraitsAsync($"user_id:b-{run}");
        Assert.Equal("A", traitsA.GetProperty("name").GetString());
        Assert.Equal("B", traitsB.GetProperty("name").GetString());
        Assert.Contains($"anon-{run}", await MessageIdsAsync($"user_id:a-{run}"));
        Assert.DoesNotContain($"anon-{run}", await MessageIdsAsync($"user_id:b-{run}"));
        Assert.Contains($"anonymous_id:shared-{run}", await ExternalIdsAsync($"user_id:b-{run}"));
    }

    [Fact]
    public async Task SharedDevice_LaterLogin_TakesAnonymousIdForLaterEvents()
    {
        var run = Unique();
        await SendOkAsync("/v1/identify", $$$"""{"userId":"a-{{{run}}}","anonymousId":"shared-{{{run}}}","messageId":"ia-{{{run}}}"}""");
        await SendOkAsync("/v1/track", $$$"""{"anonymousId":"shared-{{{run}}}","event":"Before","messageId":"before-{{{run}}}"}""");
        await SendOkAsync("/v1/identify", $$$"""{"userId":"b-{{{run}}}","anonymousId":"shared-{{{run}}}","messageId":"ib-{{{run}}}"}""");
        await SendOkAsync("/v1/track", $$$"""{"anonymousId":"shared-{{{run}}}","event":"After","messageId":"after-{{{run}}}"}""");

        var eventsA = await MessageIdsAsync($"user_id:a-{run}");
        var eventsB = await MessageIdsAsync($"user_id:b-{run}");
        Assert.Equal([$"before-{run}", $"ia-{run}"], eventsA.Order(StringComparer.Ordinal));
        Assert.Equal([$"after-{run}", $"ib-{run}"], eventsB.Order(StringComparer.Ordinal));
        Assert.Equal(eventsB, await MessageIdsAsync($"anonymous_id:shared-{run}"));
        Assert.DoesNotContain($"anonymous_id:shared-{run}", await ExternalIdsAsync($"user_id:a-{run}"));
        var merges = await GetJsonAsync(SendoraServer.ProfilePath($"user_id:b-{run}", "merges"));
        Assert.Equal(0, merges.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task SharedDevice_LateOlderLogin_DoesNotTakeIdBack()
    {
        var run = Unique();
        await SendOkAsync("/v1/identify", $$$"""{"userId":"a-{{{run}}}","anonymousId":"shared-{{{run}}}","timestamp":"2026-05-01T10:00:00Z"}""");
        await SendOkAsync("/v1/identify", $$$"""{"userId":"b-{{{run}}}","anonymousId":"shared-{{{run}}}","timestamp":"2026-05-01T10:02:00Z"}""");
        await SendOkAsync("/v1/identify", $$$"""{"userId":"a-{{{run}}}","anonymousId":"shared-{{{run}}}","timestamp":"2026-05-01T10:01:00Z"}""");
        await SendOkAsync("/v1/track", $$$"""{"anonymousId":"shared-{{{run}}}","event":"Later","messageId":"later-{{{run}}}"}""");

        Assert.Contains($"later-{run}", await MessageIdsAsync($"user_id:b-{run}"));
        Assert.DoesNotContain($"later-{run}", await MessageIdsAsync($"user_id:a-{run}"));
        Assert.Contains($"anonymous_id:shared-{run}", await ExternalIdsAsync($"user_id:b-{run}"));
        Assert.DoesNotContain($"anonymous_id:shared-{run}", await ExternalIdsAsync($"user_id:a-{run}"));

        // A login with the same timestamp as the last move counts as the more recent one.
        await SendOkAsync("/v1/identify", $$$"""{"userId":"a-{{{run}}}","anonymousId":"shared-{{{run}}}","timestamp":"2026-05-01T10:02:00Z"}""");
        Assert.Contains($"user_id:a-{run}", await ExternalIdsAsync($"anonymous_id:shared-{run}"));
    }

    [Fact]
    public async Task TwoUsersInOneBatch_SharingAnonymousId_StayApart()
    {
        // The second identify must count the user id that the first one gave the profile earlier in
        // the same request, although the profile lists it only once the batch is applied.
        var run = Unique();
        await SendOkAsync("/v1/batch", $$$"""
            {"batch":[
              {"type":"identify","userId":"a-{{{run}}}","anonymousId":"shared-{{{run}}}","traits":{"name":"A"}},
              {"type":"identify","userId":"b-{{{run}}}","anonymousId":"shared-{{{run}}}","traits":{"name":"B"}}
            ]}
            """);

        Assert.DoesNotContain($"user_id:b-{run}", await ExternalIdsAsync($"user_id:a-{run}"));
        Assert.DoesNotContain($"user_id:a-{run}", await ExternalIdsAsync($"user_id:b-{run}"));
        Assert.Equal("A", (await TraitsAsync($"user_id:a-{run}")).GetProperty("name").GetString());
        Assert.Equal("B", (await TraitsAsync($"user_id:b-{run}")).GetProperty("name").GetString());
    }

    [Fact]
    public async Task SharedDevice_InOneBatch_FollowsLoginsInOrder()
    {
        var run = Unique();
        await SendOkAsync("/v1/batch", $$$"""
            {"batch":[
              {"type":"identify","userId":"a-{{{run}}}","anonymousId":"shared-{{{run}}}","timestamp":"2026-05-01T10:00:00Z"},
              {"type":"identify","userId":"b-{{{run}}}","anonymousId":"shared-{{{run}}}","timestamp":"2026-05-01T10:01:00Z"},
              {"type":"track","anonymousId":"shared-{{{run}}}","event":"Later","messageId":"later-{{{run}}}",
               "timestamp":"2026-05-01T10:02:00Z"},
              {"type":"identify","userId":"a-{{{run}}}","anonymousId":"shared-{{{run}}}","timestamp":"2026-05-01T09:59:00Z"}
            ]}
            """);

        Assert.Contains($"later-{run}", await MessageIdsAsync($"user_id:b-{run}"));
        Assert.DoesNotContain($"later-{run}", await MessageIdsAsync($"user_id:a-{run}"));
        Assert.Contains($"user_id:b-{run}", await ExternalIdsAsync($"anonymous_id:shared-{run}"));
        Assert.DoesNotContain($"anonymous_id:shared-{run}", await ExternalIdsAsync($"user_id:a-{run}"));
    }

    [Fact]
    public async Task SharedPhone_MovesDeviceIdsButNotCustomOrEmailIds()
    {
        var run = Unique();
        string Identify(string user) => $$$"""
            {"userId":"{{{user}}}-{{{run}}}","context":{"traits":{"email":"family-{{{run}}}@example.com"},
             "device":{"type":"android","id":"dev-{{{run}}}","token":"tok-{{{run}}}"},
             "externalIds":[{"id":"household-{{{run}}}","type":"household_id","collection":"users","encoding":"none"}]}}
            """;
        await SendOkAsync("/v1/identify", Identify("a"));
        await SendOkAsync("/v1/identify", Identify("b"));

        Assert.Contains($"user_id:b-{run}", await ExternalIdsAsync($"android.id:dev-{run}"));
        Assert.Contains($"user_id:b-{run}", await ExternalIdsAsync($"android.push_token:tok-{run}"));
        Assert.Contains($"user_id:a-{run}", await ExternalIdsAsync($"household_id:household-{run}"));
        Assert.Contains($"user_id:a-{run}", await ExternalIdsAsync($"email:family-{run}@example.com"));
        var idsOfB = await ExternalIdsAsync($"user_id:b-{run}");
        Assert.DoesNotContain($"household_id:household-{run}", idsOfB);
        Assert.DoesNotContain($"email:family-{run}@example.com", idsOfB);
    }

    [Fact]
    public async Task SharedDevice_ProfileAtAnonymousLimit_KeepsIdWithOwner()
    {
        var workspace = $"devices-{Unique()}";
        var writeKey = await _server.CreateWorkspaceAsync(workspace);
        using (var rules = await _server.SendAsAdminAsync(HttpMethod.Put, $"/admin/v1/workspaces/{workspace}/identity-rules",
            """{"limits":{"user_id":{"max":1},"anonymous_id":{"max":1}}}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, rules);
        }

        foreach (var body in new[]
        {
            """{"userId":"a","anonymousId":"laptop-a"}""",
            """{"userId":"b","anonymousId":"laptop-b"}""",
            """{"userId":"a","anonymousId":"laptop-b"}""",
        })
        {
            using var response = await _server.PostAsync("/v1/identify", body, writeKey);
            await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        }

        using var lookup = await _server.GetAsAdminAsync(
            TrackingTestExtensions.ProfilePath(workspace, "anonymous_id:laptop-b", "external_ids"));
        await JsonAssert.StatusAsync(HttpStatusCode.OK, lookup);
        var ids = (await JsonAssert.ReadAsync(lookup)).GetProperty("data").EnumerateArray()
            .Select(id => $"{id.GetProperty("type").GetString()}:{id.GetProperty("id").GetString()}").ToList();
        Assert.Contains("user_id:b", ids);
        Assert.DoesNotContain("user_id:a", ids);
    }

    [Fact]
    public async Task BlockedAnonymousIdForManyUsers_KeepsThemApart()
    {
        var run = Unique();
        var batch = string.Join(",", Enumerable.Range(0, 1000).Select(i =>
            $$$"""{"type":"identify","userId":"u{{{i}}}-{{{run}}}","anonymousId":"anonymousId","traits":{"n":{{{i}}}}}"""));
        await SendOkAsync("/v1/batch", $$$"""{"batch":[{{{batch}}}]}""");

        for (var i = 0; i < 1000; i += 199)
        {
            var ids = await ExternalIdsAsync($"user_id:u{i}-{run}");
            Assert.Equal([$"user_id:u{i}-{run}"], ids);
            Assert.Equal(i, (await TraitsAsync($"user_id:u{i}-{run}")).GetProperty("n").GetInt32());
        }

        using var lookup = await _server.GetAsAdminAsync(SendoraServer.ProfilePath("anonymous_id:anonymousId", "traits"));
        Assert.Equal(HttpStatusCode.NotFound, lookup.StatusCode);
    }

    [Fact]
    public async Task OnlyBlockedIds_AreRejectedAndKept()
    {
        using var response = await _server.PostAsync("/v1/track", """{"anonymousId":"undefined","event":"Lost"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var body = await JsonAssert.ReadAsync(response);
        Assert.Equal("blocked_identity", body.GetProperty("code").GetString());
    }

    [Fact]
    public async Task EmailOfAnotherUser_StaysWithItsFirstOwner()
    {
        // user_id may hold one value per profile and outranks email, so the email is dropped from
        // the second user's message rather than merging two known users.
        var run = Unique();
        await SendOkAsync("/v1/identify", $$$"""{"userId":"first-{{{run}}}","traits":{"email":"Shared-{{{run}}}@Example.com"}}""");
        await SendOkAsync("/v1/identify", $$$"""{"userId":"second-{{{run}}}","traits":{"email":"shared-{{{run}}}@example.com"}}""");

        Assert.Contains($"email:shared-{run}@example.com", await ExternalIdsAsync($"user_id:first-{run}"));
        Assert.DoesNotContain($"email:shared-{run}@example.com", await ExternalIdsAsync($"user_id:second-{run}"));
        var byEmail = await ExternalIdsAsync($"email:shared-{run}@example.com");
        Assert.Contains($"user_id:first-{run}", byEmail);
    }

    [Fact]
    public async Task AliasAfterAnonymousEvents_LinksPreviousId()
    {
        var run = Unique();
        await SendOkAsync("/v1/track", $$$"""{"anonymousId":"d-{{{run}}}","event":"Step 1","timestamp":"2024-03-01T10:00:00Z"}""");
        await SendOkAsync("/v1/alias", $$$"""{"previousId":"d-{{{run}}}","userId":"u-{{{run}}}","timestamp":"2024-03-01T10:00:05Z"}""");
        await SendOkAsync("/v1/track", $$$"""{"anonymousId":"d-{{{run}}}","event":"Step 2","timestamp":"2024-03-01T10:00:03Z"}""");
        await SendOkAsync("/v1/track", $$$"""{"userId":"u-{{{run}}}","event":"Step 3","timestamp":"2024-03-01T10:00:06Z"}""");

        var names = await EventNamesAsync($"anonymous_id:d-{run}");
        Assert.Equal(["Step 3", "alias", "Step 2", "Step 1"], names);
    }

    [Fact]
    public async Task AliasBeforeAnyEvent_LinksPreviousId()
    {
        var run = Unique();
        await SendOkAsync("/v1/alias", $$$"""{"previousId":"d-{{{run}}}","userId":"u-{{{run}}}"}""");
        await SendOkAsync("/v1/track", $$$"""{"anonymousId":"d-{{{run}}}","event":"Step 1"}""");

        Assert.Contains($"anonymous_id:d-{run}", await ExternalIdsAsync($"user_id:u-{run}"));
        Assert.Contains("Step 1", await EventNamesAsync($"user_id:u-{run}"));
    }

    [Fact]
    public async Task AliasBetweenTwoKnownUsers_IsRefused()
    {
        var run = Unique();
        await SendOkAsync("/v1/identify", $$$"""{"userId":"alice-{{{run}}}","traits":{"name":"Alice"}}""");
        await SendOkAsync("/v1/identify", $$$"""{"userId":"bob-{{{run}}}","traits":{"name":"Bob"}}""");
        await SendOkAsync("/v1/alias", $$$"""{"previousId":"bob-{{{run}}}","userId":"alice-{{{run}}}"}""");

        Assert.Equal("Alice", (await TraitsAsync($"user_id:alice-{run}")).GetProperty("name").GetString());
        Assert.Equal("Bob", (await TraitsAsync($"user_id:bob-{run}")).GetProperty("name").GetString());
        Assert.DoesNotContain($"user_id:bob-{run}", await ExternalIdsAsync($"user_id:alice-{run}"));
    }

    [Fact]
    public async Task IdentifyWithOnlyAnonymousId_CreatesAnonymousProfile()
    {
        var run = Unique();
        await SendOkAsync("/v1/identify", $$$"""{"anonymousId":"a-{{{run}}}","traits":{"plan":"free"}}""");

        Assert.Equal("free", (await TraitsAsync($"anonymous_id:a-{run}")).GetProperty("plan").GetString());
    }

    [Fact]
    public async Task NumericAndStringUserId_ReachOneProfile()
    {
        var number = Random.Shared.NextInt64(1_000_000_000, 9_000_000_000);
        await SendOkAsync("/v1/track", $$$"""{"userId":{{{number}}},"event":"A"}""");
        await SendOkAsync("/v1/track", $$$"""{"userId":"{{{number}}}","event":"B"}""");

        Assert.Equal(["B", "A"], await EventNamesAsync($"user_id:{number}"));
    }

    [Fact]
    public async Task ConcurrentOverlappingIds_EndInOneProfileWithEveryMessageOnce()
    {
        var run = Unique();
        var user = $"\"userId\":\"u-{run}\"";
        var first = $"\"anonymousId\":\"a1-{run}\"";
        var second = $"\"anonymousId\":\"a2-{run}\"";
        var email = $"\"context\":{{\"traits\":{{\"email\":\"p-{run}@example.com\"}}}}";
        string[][] shapes = [[user, first], [first, email], [second, email], [user, email], [second]];

        // Every shape carries two of the person's ids, or one already linked, so each request links ids in some order.
        var requests = Enumerable.Range(0, 50).Select(i => PostWithRetryAsync("/v1/track",
            $"{{{string.Join(",", shapes[i % shapes.Length])},\"event\":\"E{i}\",\"messageId\":\"m{i}-{run}\"}}"));
        await Task.WhenAll(requests);
        await SendOkAsync("/v1/identify", $$$"""{"userId":"u-{{{run}}}","anonymousId":"a1-{{{run}}}"}""");
        await SendOkAsync("/v1/identify", $$$"""{"userId":"u-{{{run}}}","anonymousId":"a2-{{{run}}}"}""");

        var events = await MessageIdsAsync($"user_id:u-{run}", pages: 2);
        foreach (var key in new[] { $"anonymous_id:a1-{run}", $"anonymous_id:a2-{run}", $"email:p-{run}@example.com" })
        {
            Assert.Equal(events.Order(), (await MessageIdsAsync(key, pages: 2)).Order());
        }

        var tracked = events.Where(id => id.StartsWith('m')).ToList();
        var missing = Enumerable.Range(0, 50).Where(i => !tracked.Contains($"m{i}-{run}")).Select(i => $"m{i}");
        Assert.Empty(missing);
        Assert.Equal(50, tracked.Count);
        Assert.Equal(50, tracked.Distinct().Count());
    }

    [Fact]
    public async Task MergeThenSplit_SendsLaterMessagesToNewProfile()
    {
        var run = Unique();
        await SendOkAsync("/v1/track", $$$"""{"anonymousId":"tablet-{{{run}}}","event":"Tablet","messageId":"tab-{{{run}}}"}""");
        await SendOkAsync("/v1/identify", $$$"""{"userId":"u-{{{run}}}","anonymousId":"tablet-{{{run}}}","messageId":"id-{{{run}}}"}""");
        var merges = await GetJsonAsync(SendoraServer.ProfilePath($"user_id:u-{run}", "merges"));
        Assert.Equal(0, merges.GetProperty("data").GetArrayLength());

        using var split = await _server.SendAsAdminAsync(HttpMethod.Post,
            $"/admin/v1/workspaces/default/profiles/{Uri.EscapeDataString($"user_id:u-{run}")}/split",
            $$$"""{"externalId":"anonymous_id:tablet-{{{run}}}"}""");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, split);
        await SendOkAsync("/v1/track", $$$"""{"anonymousId":"tablet-{{{run}}}","event":"After","messageId":"after-{{{run}}}"}""");

        var tabletEvents = await MessageIdsAsync($"anonymous_id:tablet-{run}");
        var userEvents = await MessageIdsAsync($"user_id:u-{run}");
        Assert.Contains($"after-{run}", tabletEvents);
        Assert.Contains($"tab-{run}", tabletEvents);
        Assert.DoesNotContain($"after-{run}", userEvents);
        Assert.DoesNotContain($"anonymous_id:tablet-{run}", await ExternalIdsAsync($"user_id:u-{run}"));

        // The moved messages count on the new profile only.
        var userApplied = await AppliedCountAsync($"user_id:u-{run}");
        var tabletApplied = await AppliedCountAsync($"anonymous_id:tablet-{run}");
        Assert.Equal(userEvents.Count, userApplied);
        Assert.Equal(3, userApplied + tabletApplied);
    }

    [Fact]
    public async Task TwoProfilesLinkedLater_AreMergedAndRecorded()
    {
        var run = Unique();
        await SendOkAsync("/v1/track", $$$"""{"anonymousId":"x-{{{run}}}","event":"X","messageId":"x-{{{run}}}"}""");
        await SendOkAsync("/v1/track", $$$"""{"userId":"u-{{{run}}}","event":"U","messageId":"u-{{{run}}}"}""");
        await SendOkAsync("/v1/identify", $$$"""{"userId":"u-{{{run}}}","anonymousId":"x-{{{run}}}","messageId":"link-{{{run}}}"}""");

        var merges = (await GetJsonAsync(SendoraServer.ProfilePath($"anonymous_id:x-{run}", "merges"))).GetProperty("data");
        var merge = Assert.Single(merges.EnumerateArray());
        Assert.Equal($"link-{run}", merge.GetProperty("message_id").GetString());
        Assert.Contains(merge.GetProperty("external_ids").EnumerateArray(), id => id.GetString()!.EndsWith($"-{run}"));
        Assert.Equal(
            [$"link-{run}", $"u-{run}", $"x-{run}"],
            (await MessageIdsAsync($"user_id:u-{run}")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task MessageOnBothSides_CountsOnceAfterMerge()
    {
        var run = Unique();
        await SendOkAsync("/v1/track", $$$"""{"userId":"u-{{{run}}}","event":"Buy","messageId":"shared-{{{run}}}"}""");
        await SendOkAsync("/v1/track", $$$"""{"anonymousId":"a-{{{run}}}","event":"Buy","messageId":"shared-{{{run}}}"}""");
        await SendOkAsync("/v1/identify", $$$"""{"userId":"u-{{{run}}}","anonymousId":"a-{{{run}}}","messageId":"link-{{{run}}}"}""");

        var state = (await GetJsonAsync($"/admin/v1/workspaces/default/inspect/profiles/user_id:u-{run}"))
            .GetProperty("grain").GetProperty("state");
        Assert.Equal(1, state.GetProperty("counters").GetProperty("Buy").GetProperty("count").GetInt64());
        Assert.Equal(2, await AppliedCountAsync($"user_id:u-{run}"));
        Assert.Equal(1, state.GetProperty("duplicateCount").GetInt64());
        Assert.Equal([$"link-{run}", $"shared-{run}"], (await MessageIdsAsync($"user_id:u-{run}")).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task MergeCapReached_RefusesMergesButStoresMessages()
    {
        await using var server = await SendoraServer.StartAsync();
        using (var rules = await server.SendAsAdminAsync(HttpMethod.Put, "/admin/v1/workspaces/default/identity-rules",
            """{"maxMergesPerProfile":1,"defaultLimit":{"max":10}}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, rules);
        }

        var run = Unique();
        for (var i = 0; i < 3; i++)
        {
            using var anonymous = await server.PostAsync("/v1/track", $$$"""{"anonymousId":"a{{{i}}}-{{{run}}}","event":"A{{{i}}}"}""");
            await JsonAssert.StatusAsync(HttpStatusCode.OK, anonymous);
        }

        for (var i = 0; i < 3; i++)
        {
            using var link = await server.PostAsync("/v1/identify",
                $$$"""{"userId":"u-{{{run}}}","anonymousId":"a{{{i}}}-{{{run}}}","messageId":"link{{{i}}}-{{{run}}}"}""");
            await JsonAssert.StatusAsync(HttpStatusCode.OK, link);
        }

        using var response = await server.GetAsAdminAsync(SendoraServer.ProfilePath($"user_id:u-{run}", "merges"));
        var merges = await JsonAssert.ReadAsync(response);
        Assert.Equal(1, merges.GetProperty("data").GetArrayLength());
        Assert.True(merges.GetProperty("refused_merges").GetInt64() >= 1);
        using var events = await server.GetAsAdminAsync(SendoraServer.ProfilePath($"user_id:u-{run}", "events", "?limit=100"));
        var stored = (await JsonAssert.ReadAsync(events)).GetProperty("data").EnumerateArray()
            .Select(e => e.GetProperty("messageId").GetString()).ToList();
        Assert.Contains($"link2-{run}", stored);
        using var audit = await server.GetAsAdminAsync("/admin/v1/workspaces/default/audit");
        var change = Assert.Single((await JsonAssert.ReadAsync(audit)).GetProperty("data").EnumerateArray());
        Assert.Equal("identity_rules.update", change.GetProperty("action").GetString());
    }

    [Fact]
    public async Task GroupCall_ServesAccountTraitsAndLinks()
    {
        var run = Unique();
        await SendOkAsync("/v1/group", $$$"""{"userId":"u-{{{run}}}","groupId":"acme-{{{run}}}","traits":{"name":"Acme","plan":"pro"}}""");
        await SendOkAsync("/v1/group", $$$"""{"userId":"u-{{{run}}}","groupId":"globex-{{{run}}}","traits":{"name":"Globex"}}""");

        var account = await GetJsonAsync($"/v1/spaces/default/collections/accounts/profiles/group_id:acme-{run}/traits");
        Assert.Equal("Acme", account.GetProperty("traits").GetProperty("name").GetString());
        var links = await GetJsonAsync(SendoraServer.ProfilePath($"user_id:u-{run}", "links"));
        Assert.Equal(2, links.GetProperty("data").GetArrayLength());
        var members = await GetJsonAsync($"/v1/spaces/default/collections/accounts/profiles/group_id:acme-{run}/links");
        Assert.Single(members.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task DeviceAndCustomIds_ResolveTheProfile()
    {
        var run = Unique();
        await SendOkAsync("/v1/track", $$$"""
            {"userId":"u-{{{run}}}","event":"Opened","context":{"device":{"type":"ios","id":"dev-{{{run}}}",
             "advertisingId":"ad-{{{run}}}","adTrackingEnabled":true,"token":"tok-{{{run}}}"},
             "externalIds":[{"id":"crm-{{{run}}}","type":"crm_id","collection":"users","encoding":"none"}]}}
            """);

        foreach (var key in new[] { $"ios.id:dev-{run}", $"ios.idfa:ad-{run}", $"ios.push_token:tok-{run}", $"crm_id:crm-{run}" })
        {
            Assert.Contains($"user_id:u-{run}", await ExternalIdsAsync(key));
        }
    }

    [Fact]
    public async Task RepeatedUser_IsRoutedByRememberedOwner()
    {
        var run = Unique();
        await SendOkAsync("/v1/track", $$$"""{"userId":"u-{{{run}}}","event":"First","messageId":"first-{{{run}}}"}""");
        var known = _server.Services.GetRequiredService<KnownOwners>();
        var id = new ExternalIdKey("user_id", $"u-{run}");

        Assert.True(known.TryGetOwner("default", [id], out var owner));
        var grains = _server.Services.GetRequiredService<IGrainFactory>();
        Assert.Equal(owner, await grains.GetGrain<IIdentityGrain>(id.GrainKey("default")).ResolveAsync());
        var message = new TrackedMessage
        {
            Type = MessageTypes.Track,
            MessageId = $"second-{run}",
            UserId = $"u-{run}",
            Name = "Second",
            Timestamp = DateTimeOffset.UtcNow,
            ReceivedAt = DateTimeOffset.UtcNow,
            SourceId = "src",
            Json = "{}",
        };
        var resolution = Assert.Single(await _server.Services.GetRequiredService<IdentityResolver>()
            .ResolveAsync("default", [new Candidate(message, [id])]));
        Assert.Equal(owner, resolution.ProfileId);
        Assert.True(resolution.Message!.RoutedByKnownOwner);
        Assert.Equal([id], resolution.Message.ExternalIds);
    }

    [Fact]
    public async Task RememberedOwnerOutOfDate_MessageLandsOnProfileWithTheId()
    {
        var run = Unique();
        await SendOkAsync("/v1/track", $$$"""{"userId":"u-{{{run}}}","event":"U","messageId":"u1-{{{run}}}"}""");
        await SendOkAsync("/v1/track", $$$"""{"userId":"v-{{{run}}}","event":"V","messageId":"v1-{{{run}}}"}""");
        var known = _server.Services.GetRequiredService<KnownOwners>();
        var u = new ExternalIdKey("user_id", $"u-{run}");
        var v = new ExternalIdKey("user_id", $"v-{run}");
        Assert.True(known.TryGetOwner("default", [u], out var ownerOfU));
        Assert.True(known.TryGetOwner("default", [v], out var ownerOfV));

        // As if u's id had moved off v's profile since: v's profile does not list it, so it rejects the message.
        known.Remember("default", [u], ownerOfV);
        await SendOkAsync("/v1/batch", $$$"""
            {"batch":[
              {"type":"track","userId":"u-{{{run}}}","event":"U","messageId":"u2-{{{run}}}"},
              {"type":"track","userId":"v-{{{run}}}","event":"V","messageId":"v2-{{{run}}}"}
            ]}
            """);

        Assert.Equal([$"u1-{run}", $"u2-{run}"], (await MessageIdsAsync($"user_id:u-{run}")).Order(StringComparer.Ordinal));
        Assert.Equal([$"v1-{run}", $"v2-{run}"], (await MessageIdsAsync($"user_id:v-{run}")).Order(StringComparer.Ordinal));
        Assert.DoesNotContain($"user_id:u-{run}", await ExternalIdsAsync($"user_id:v-{run}"));
        Assert.True(known.TryGetOwner("default", [u], out var owner));
        Assert.Equal(ownerOfU, owner);
    }

    private async Task SendOkAsync(string path, string body)
    {
        using var response = await _server.PostAsync(path, body);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
    }

    private async Task PostWithRetryAsync(string path, string body)
    {
        // A 503 asks the client to retry, as every Segment SDK does.
        for (var attempt = 0; ; attempt++)
        {
            using var response = await _server.PostAsync(path, body);
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 5)
            {
                await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
                return;
            }
        }
    }

    private async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await _server.GetAsAdminAsync(path);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }

    private async Task<JsonElement> TraitsAsync(string externalId) =>
        (await GetJsonAsync(SendoraServer.ProfilePath(externalId, "traits", "?limit=100"))).GetProperty("traits");

    private async Task<List<string>> ExternalIdsAsync(string externalId) =>
        [.. (await GetJsonAsync(SendoraServer.ProfilePath(externalId, "external_ids", "?limit=100")))
            .GetProperty("data").EnumerateArray()
            .Select(id => $"{id.GetProperty("type").GetString()}:{id.GetProperty("id").GetString()}")];

    private async Task<List<string>> MessageIdsAsync(string externalId, int pages = 1)
    {
        var ids = new List<string>();
        var next = string.Empty;
        for (var page = 0; page < pages; page++)
        {
            var query = next.Length == 0 ? "?limit=100" : $"?limit=100&next={next}";
            var body = await GetJsonAsync(SendoraServer.ProfilePath(externalId, "events", query));
            ids.AddRange(body.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("messageId").GetString()!));
            next = body.GetProperty("cursor").GetProperty("next").GetString()!;
            if (next.Length == 0)
            {
                break;
            }
        }

        return ids;
    }

    private async Task<List<string>> EventNamesAsync(string externalId) =>
        [.. (await GetJsonAsync(SendoraServer.ProfilePath(externalId, "events", "?limit=100")))
            .GetProperty("data").EnumerateArray()
            .Select(e => e.TryGetProperty("event", out var name) ? name.GetString()! : e.GetProperty("type").GetString()!)];

    private async Task<long> AppliedCountAsync(string externalId) =>
        (await GetJsonAsync($"/admin/v1/workspaces/default/inspect/profiles/{Uri.EscapeDataString(externalId)}"))
            .GetProperty("grain").GetProperty("state").GetProperty("appliedCount").GetInt64();

    private static string Unique() => Guid.NewGuid().ToString("N")[..12];
}
