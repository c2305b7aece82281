using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Audiences;

/// <summary>Membership changes reaching SSE clients through the real gateway.</summary>
[Collection(SendoraCollection.Name)]
public sealed class MembershipStreamTests(SendoraFixture fixture)
{
    private const string ProPlan = """{"trait":"plan","operator":"equals","value":"pro"}""";

    [Fact]
    public async Task TraitChange_SendsEnterThenExit()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAudienceAsync("pro", ProPlan);
        await using var client = await workspace.StreamAsync("pro");

        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"plan":"pro"},"messageId":"m1"}""");
        var enter = await client.NextAsync();
        Assert.Equal("enter", enter.Event);
        Assert.Equal("1", enter.Id);
        Assert.Equal("m1", enter.Data.GetProperty("message_id").GetString());
        Assert.Contains("user_id:u1", enter.Data.GetProperty("external_ids").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["pro"], await workspace.MembershipsAsync("user_id:u1"));

        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"plan":"free"},"messageId":"m2"}""");
        var exit = await client.NextAsync();
        Assert.Equal("exit", exit.Event);
        Assert.Equal("2", exit.Id);
        Assert.Equal(enter.Data.GetProperty("profile_id").GetString(), exit.Data.GetProperty("profile_id").GetString());
        Assert.Empty(await workspace.MembershipsAsync("user_id:u1"));
    }

    [Fact]
    public async Task RepeatedMatch_SendsOneEnter()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAudienceAsync("pro", ProPlan);
        await using var client = await workspace.StreamAsync("pro");

        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"plan":"pro"}}""");
        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"plan":"pro","seats":3}}""");
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Clicked"}""");

        var events = await client.DrainAsync(TimeSpan.FromSeconds(2));
        var enter = Assert.Single(events);
        Assert.Equal("enter", enter.Event);
    }

    [Fact]
    public async Task Reconnect_WithLastEventId_GetsOnlyMissedChanges()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAudienceAsync("pro", ProPlan);

        await using (var first = await workspace.StreamAsync("pro"))
        {
            await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"plan":"pro"}}""");
            Assert.Equal("1", (await first.NextAsync()).Id);
        }

        await workspace.SendAsync("/v1/identify", """{"userId":"u2","traits":{"plan":"pro"}}""");
        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"plan":"free"}}""");

        await using var second = await workspace.StreamAsync("pro", lastEventId: 1);
        var missed = new[] { await second.NextAsync(), await second.NextAsync() };
        Assert.Equal(["2", "3"], missed.Select(e => e.Id));
        Assert.Equal(["enter", "exit"], missed.Select(e => e.Event));
        Assert.Empty(await second.DrainAsync(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public async Task TwoClients_ReceiveSameSequence()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAudienceAsync("pro", ProPlan);
        await using var left = await workspace.StreamAsync("pro");
        await using var right = await workspace.StreamAsync("pro");

        foreach (var (user, plan) in new[] { ("a", "pro"), ("b", "pro"), ("a", "free") })
        {
            await workspace.SendAsync("/v1/identify", $$$"""{"userId":"{{{user}}}","traits":{"plan":"{{{plan}}}"}}""");
        }

        var leftEvents = new[] { await left.NextAsync(), await left.NextAsync(), await left.NextAsync() };
        var rightEvents = new[] { await right.NextAsync(), await right.NextAsync(), await right.NextAsync() };
        Assert.Equal(["1", "2", "3"], leftEvents.Select(e => e.Id));
        Assert.Equal(leftEvents.Select(e => e.Id), rightEvents.Select(e => e.Id));
        Assert.Equal(leftEvents.Select(e => e.Data.GetRawText()), rightEvents.Select(e => e.Data.GetRawText()));
    }

    [Fact]
    public async Task WindowExpiry_ExitsWithoutNewMessage()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAudienceAsync("buyers",
            """{"event":"Order Completed","count":{"at_least":3},"window":{"last":{"days":7}}}""");
        await using var client = await workspace.StreamAsync("buyers");

        // The oldest order turns 7 days old a few seconds from now; nothing is sent after the third order.
        // Timestamps are stored to the millisecond, so the test works with whole milliseconds too.
        var now = DateTimeOffset.UtcNow;
        var oldest = now - TimeSpan.FromDays(7) + TimeSpan.FromSeconds(4);
        oldest = oldest.AddTicks(-(oldest.Ticks % TimeSpan.TicksPerMillisecond));
        foreach (var (messageId, at) in new[] { ("o1", oldest), ("o2", now - TimeSpan.FromDays(2)), ("o3", now - TimeSpan.FromHours(1)) })
        {
            await workspace.SendAsync("/v1/track",
                $$$"""{"userId":"buyer","event":"Order Completed","messageId":"{{{messageId}}}","timestamp":"{{{at:O}}}"}""");
        }

        var enter = await client.NextAsync();
        Assert.Equal("enter", enter.Event);
        Assert.Equal("o3", enter.Data.GetProperty("message_id").GetString());

        var exit = await client.NextAsync(TimeSpan.FromSeconds(20));
        Assert.Equal("exit", exit.Event);
        var exitAt = DateTimeOffset.Parse(exit.Data.GetProperty("at").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(exitAt >= oldest + TimeSpan.FromDays(7), $"Exit at {exitAt:O} came before the order left the window at {oldest + TimeSpan.FromDays(7):O}.");
        Assert.True(exitAt < oldest + TimeSpan.FromDays(7) + TimeSpan.FromSeconds(2), $"Exit at {exitAt:O} came late.");
        Assert.Empty(await workspace.MembershipsAsync("user_id:buyer"));
    }

    [Fact]
    public async Task GroupTraitChange_MovesEveryMember()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAudienceAsync("enterprise",
            """{"groups":"any","where":{"trait":"plan","operator":"equals","value":"enterprise"}}""");
        await using var client = await workspace.StreamAsync("enterprise");

        await workspace.SendAsync("/v1/group", """{"userId":"u1","groupId":"acme","traits":{"plan":"enterprise"}}""");
        await workspace.SendAsync("/v1/group", """{"userId":"u2","groupId":"acme"}""");
        var enters = new[] { await client.NextAsync(), await client.NextAsync() };
        Assert.All(enters, e => Assert.Equal("enter", e.Event));

        // Another member's group call changes the group's plan, and both members leave.
        await workspace.SendAsync("/v1/group", """{"userId":"u2","groupId":"acme","traits":{"plan":"free"}}""");
        var exits = new[] { await client.NextAsync(), await client.NextAsync() };
        Assert.All(exits, e => Assert.Equal("exit", e.Event));
        Assert.Equal(
            enters.Select(e => e.Data.GetProperty("profile_id").GetString()).Order(),
            exits.Select(e => e.Data.GetProperty("profile_id").GetString()).Order());
        Assert.Empty(await workspace.MembershipsAsync("user_id:u1"));
    }

    [Fact]
    public async Task Merge_ExitsHalvesAndEntersMergedMatch()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAudienceAsync("pro-only",
            """{"all":[{"trait":"plan","operator":"equals","value":"pro"},{"not":{"event":"Viewed Pricing"}}]}""");
        await workspace.CreateAudienceAsync("browsers",
            """{"all":[{"event":"Viewed Pricing"},{"trait":"plan","operator":"not_exists"}]}""");
        await workspace.CreateAudienceAsync("pro-browsers",
            """{"all":[{"trait":"plan","operator":"equals","value":"pro"},{"event":"Viewed Pricing"}]}""");
        await using var proOnly = await workspace.StreamAsync("pro-only");
        await using var browsers = await workspace.StreamAsync("browsers");
        await using var proBrowsers = await workspace.StreamAsync("pro-browsers");

        await workspace.SendAsync("/v1/identify", """{"userId":"u","traits":{"plan":"pro"}}""");
        await workspace.SendAsync("/v1/track", """{"anonymousId":"a","event":"Viewed Pricing"}""");
        var knownEnter = await proOnly.NextAsync();
        var anonymousEnter = await browsers.NextAsync();
        Assert.Equal("enter", knownEnter.Event);
        Assert.Equal("enter", anonymousEnter.Event);

        await workspace.SendAsync("/v1/identify", """{"userId":"u","anonymousId":"a"}""");

        var knownExit = await proOnly.NextAsync();
        var anonymousExit = await browsers.NextAsync();
        var mergedEnter = await proBrowsers.NextAsync();
        Assert.Equal("exit", knownExit.Event);
        Assert.Equal("exit", anonymousExit.Event);
        Assert.Equal("enter", mergedEnter.Event);
        Assert.Equal(knownEnter.Data.GetProperty("profile_id").GetString(), mergedEnter.Data.GetProperty("profile_id").GetString());
        Assert.Equal(anonymousEnter.Data.GetProperty("profile_id").GetString(), anonymousExit.Data.GetProperty("profile_id").GetString());

        Assert.Empty(await proOnly.DrainAsync(TimeSpan.FromSeconds(1)));
        Assert.Empty(await browsers.DrainAsync(TimeSpan.FromMilliseconds(100)));
        Assert.Empty(await proBrowsers.DrainAsync(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(["pro-browsers"], await workspace.MembershipsAsync("anonymous_id:a"));
    }
}
