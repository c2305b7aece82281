using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using Sendora.Grains;
using Sendora.Grains.Identity;
using Sendora.Grains.Inspection;
using Sendora.Grains.Ingestion;
using Sendora.Grains.Profiles;

namespace Sendora.Tests.Grains;

public abstract class ProfileGrainTests(ProfileClusterFixture fixture)
{
    private const string SourceId = "src_grain";

    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    // The gateway's receive time of messages that do not set their own, later than every timestamp used.
    private static readonly DateTimeOffset Received = Start.AddDays(30);

    private readonly IGrainFactory _grains = fixture.Grains;
    private readonly TestCluster _cluster = fixture.Cluster;
    private readonly string _workspaceId = "ws-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task GetSnapshot_NeverApplied_ReturnsNull()
    {
        var profile = Profile("nobody");

        Assert.Null(await profile.GetSnapshotAsync());
    }

    [Fact]
    public async Task Identify_NullTrait_IsStoredAsNull()
    {
        var profile = Profile("u1");

        await profile.ApplyAsync([Identify("u1", """{"plan":"pro","nickname":null}""")]);

        var traits = (await profile.GetSnapshotAsync())!.Traits;
        Assert.Equal("null", traits["nickname"]);
    }

    [Fact]
    public async Task Identify_NullTrait_ReplacesEarlierValue()
    {
        var profile = Profile("u1");

        await profile.ApplyAsync([Identify("u1", """{"nickname":"Al"}""")]);
        await profile.ApplyAsync([Identify("u1", """{"nickname":null}""")]);

        var traits = (await profile.GetSnapshotAsync())!.Traits;
        Assert.Equal("null", traits["nickname"]);
    }

    [Fact]
    public async Task Identify_NestedObject_ReplacesWholeValue()
    {
        var profile = Profile("u1");

        await profile.ApplyAsync([Identify("u1", """{"address":{"city":"Paris","zip":"75001"}}""")]);
        await profile.ApplyAsync([Identify("u1", """{"address":{"city":"Lyon"}}""")]);

        var traits = (await profile.GetSnapshotAsync())!.Traits;
        Assert.True(JsonElement.DeepEquals(Parse("""{"city":"Lyon"}"""), Parse(traits["address"])), traits["address"]);
    }

    [Fact]
    public async Task Identify_TopLevelKeys_MergeWithEarlierTraits()
    {
        var profile = Profile("u1");

        await profile.ApplyAsync([Identify("u1", """{"name":"Ada","plan":"free"}""")]);
        await profile.ApplyAsync([Identify("u1", """{"plan":"pro","age":36}""")]);

        var traits = (await profile.GetSnapshotAsync())!.Traits;
        Assert.Equal("\"Ada\"", traits["name"]);
        Assert.Equal("\"pro\"", traits["plan"]);
        Assert.Equal("36", traits["age"]);
        Assert.Equal(3, traits.Count);
    }

    [Fact]
    public async Task Track_EachEventName_GetsItsOwnCounter()
    {
        var profile = Profile("u1");

        await profile.ApplyAsync(
        [
            Track("u1", "Signed Up", Start.AddMinutes(2)),
            Track("u1", "Paid", Start.AddMinutes(5)),
            Track("u1", "Signed Up", Start),
            Page("u1", "Home", Start.AddMinutes(1)),
        ]);

        var counters = (await profile.GetSnapshotAsync())!.Counters;
        Assert.Equal(2, counters["Signed Up"].Count);
        Assert.Equal(1, counters["Paid"].Count);
        Assert.Equal(1, counters["page:Home"].Count);
    }

    [Fact]
    public async Task Track_Counter_KeepsFirstAndLastTimestamp()
    {
        var profile = Profile("u1");

        await profile.ApplyAsync([Track("u1", "Paid", Start.AddHours(1))]);
        await profile.ApplyAsync([Track("u1", "Paid", Start)]);
        await profile.ApplyAsync([Track("u1", "Paid", Start.AddHours(2))]);

        var counter = (await profile.GetSnapshotAsync())!.Counters["Paid"];
        Assert.Equal(Start, counter.First);
        Assert.Equal(Start.AddHours(2), counter.Last);
    }

    [Fact]
    public async Task Apply_OutOfOrder_SetsFirstAndLastSeen()
    {
        var profile = Profile("u1");

        await profile.ApplyAsync([Track("u1", "A", Start.AddDays(1))]);
        await profile.ApplyAsync([Identify("u1", """{"a":1}""", Start.AddDays(3))]);
        await profile.ApplyAsync([Track("u1", "B", Start)]);

        var snapshot = (await profile.GetSnapshotAsync())!;
        Assert.Equal(Start, snapshot.FirstSeen);
        Assert.Equal(Start.AddDays(3), snapshot.LastSeen);
    }

    [Fact]
    public async Task RecentEvents_OutOfOrder_ReturnNewestFirst()
    {
        var profile = Profile("u1");

        await profile.ApplyAsync([Track("u1", "Second", Start.AddMinutes(2), "m2")]);
        await profile.ApplyAsync([Track("u1", "Third", Start.AddMinutes(3), "m3")]);
        await profile.ApplyAsync([Track("u1", "First", Start.AddMinutes(1), "m1"), Track("u1", "Fourth", Start.AddMinutes(4), "m4")]);

        var page = await profile.GetEventsAsync(10, null);
        Assert.Equal(["m4", "m3", "m2", "m1"], page.Events.Select(e => e.MessageId));
    }

    [Fact]
    public async Task RecentEvents_PastLimit_KeepNewest()
    {
        var profile = Profile("u1");
        var limit = ProfileClusterFixture.RecentEventLimit;
        var messages = Enumerable.Range(0, limit + 3)
            .Select(i => Track("u1", "Clicked", Start.AddMinutes(i), $"m{i}"))
            .Reverse()
            .ToList();

        await profile.ApplyAsync(messages);

        var page = await profile.GetEventsAsync(100, null);
        var expected = Enumerable.Range(3, limit).Reverse().Select(i => $"m{i}");
        Assert.Equal(expected, page.Events.Select(e => e.MessageId));
        Assert.Equal(limit, (await profile.GetSnapshotAsync())!.RecentEventCount);
    }

    [Fact]
    public async Task RecentEvents_FullAndOlder_DropOlder()
    {
        var profile = Profile("u1");
        var limit = ProfileClusterFixture.RecentEventLimit;
        var messages = Enumerable.Range(1, limit).Select(i => Track("u1", "Clicked", Start.AddMinutes(i), $"m{i}")).ToList();
        await profile.ApplyAsync(messages);

        await profile.ApplyAsync([Track("u1", "Clicked", Start, "old")]);

        var page = await profile.GetEventsAsync(100, null);
        Assert.DoesNotContain("old", page.Events.Select(e => e.MessageId));
        Assert.Equal(limit, page.Events.Count);
    }

    [Fact]
    public async Task Apply_RepeatInOneCall_AppliesOnce()
    {
        var profile = Profile("u1");

        var result = await profile.ApplyAsync([Track("u1", "Paid", Start, "dup"), Track("u1", "Paid", Start, "dup")]);

        Assert.Equal(new ApplyResult(1, 1), result);
        Assert.Equal(1, (await profile.GetSnapshotAsync())!.Counters["Paid"].Count);
    }

    [Fact]
    public async Task Apply_RepeatInLaterCall_CountsDuplicate()
    {
        var profile = Profile("u1");
        await profile.ApplyAsync([Track("u1", "Paid", Start, "dup"), Track("u1", "Paid", Start, "dup")]);

        var result = await profile.ApplyAsync([Track("u1", "Paid", Start, "dup")]);

        Assert.Equal(new ApplyResult(0, 1), result);
        var snapshot = (await profile.GetSnapshotAsync())!;
        Assert.Equal(1, snapshot.AppliedCount);
        Assert.Equal(2, snapshot.DuplicateCount);
        Assert.Equal(1, snapshot.Counters["Paid"].Count);
        Assert.Equal(1, snapshot.RecentEventCount);
    }

    [Fact]
    public async Task Apply_RepeatAfterWindow_AppliesAgain()
    {
        var profile = Profile("u1");
        var window = new ProfileOptions().DeduplicationWindow;
        await profile.ApplyAsync([Track("u1", "Paid", Start, "again", receivedAt: Start)]);

        var result = await profile.ApplyAsync(
            [Track("u1", "Paid", Start, "again", receivedAt: Start + window + TimeSpan.FromMinutes(1))]);

        Assert.Equal(new ApplyResult(1, 0), result);
        Assert.Equal(2, (await profile.GetSnapshotAsync())!.Counters["Paid"].Count);
    }

    [Fact]
    public async Task Apply_RepeatInsideWindow_IsDuplicate()
    {
        var profile = Profile("u1");
        var window = new ProfileOptions().DeduplicationWindow;
        await profile.ApplyAsync([Track("u1", "Paid", Start, "again", receivedAt: Start)]);

        var result = await profile.ApplyAsync(
            [Track("u1", "Paid", Start, "again", receivedAt: Start + window - TimeSpan.FromMinutes(1))]);

        Assert.Equal(new ApplyResult(0, 1), result);
    }

    [Fact]
    public async Task Apply_RepeatAfterReactivation_IsDuplicate()
    {
        var profile = Profile("u1");
        await profile.ApplyAsync([Track("u1", "Paid", Start, "kept")]);
        await _grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var result = await profile.ApplyAsync([Track("u1", "Paid", Start, "kept")]);

        Assert.Equal(new ApplyResult(0, 1), result);
        Assert.Equal(1, (await profile.GetSnapshotAsync())!.Counters["Paid"].Count);
    }

    [Fact]
    public async Task Apply_PastRememberedLimit_ForgetsOldestId()
    {
        var profile = Profile("u1");
        var limit = ProfileClusterFixture.MaxRememberedMessageIds;
        await profile.ApplyAsync(Enumerable.Range(0, limit + 1).Select(i => Track("u1", "Paid", Start, $"m{i}")).ToList());

        var oldest = await profile.ApplyAsync([Track("u1", "Paid", Start, "m0")]);
        var newest = await profile.ApplyAsync([Track("u1", "Paid", Start, $"m{limit}")]);

        Assert.Equal(new ApplyResult(1, 0), oldest);
        Assert.Equal(new ApplyResult(0, 1), newest);
    }

    [Fact]
    public async Task IdleProfile_Packed_KeepsWholeState()
    {
        var profile = Profile("u1");
        await profile.ApplyAsync(
        [
            Identify("u1", """{"plan":"pro","city":"Zürich 😀"}"""),
            Track("u1", "Paid", Start, "p1", anonymousId: "a1"),
            Track("u1", "Viewed", Start.AddMinutes(1), "p2"),
            Group("u1", "g1"),
        ]);
        var unpacked = await profile.InspectAsync(1000);

        var packed = await WaitUntilPackedAsync(profile);

        Assert.Null(unpacked.PackedBytes);
        Assert.True(packed.PackedBytes > 0, $"packedBytes {packed.PackedBytes}");
        Assert.Equal(unpacked.StateJson, packed.StateJson);
        Assert.Equal(unpacked.ETag, packed.ETag);
    }

    [Fact]
    public async Task IdleProfile_Packed_StillDropsRepeats()
    {
        var profile = Profile("u1");
        await profile.ApplyAsync([Track("u1", "Paid", Start, "p1"), Track("u1", "Paid", Start, "p2")]);
        await WaitUntilPackedAsync(profile);

        // The inspection unpacked the state, and it packs again once the profile stays idle as long as before.
        await Task.Delay(ProfileClusterFixture.PackAfterIdle * 2.5);

        var repeat = await profile.ApplyAsync([Track("u1", "Paid", Start, "p2")]);
        var next = await profile.ApplyAsync([Track("u1", "Paid", Start.AddMinutes(1), "p3")]);

        Assert.Equal(new ApplyResult(0, 1), repeat);
        Assert.Equal(new ApplyResult(1, 0), next);
        var snapshot = (await profile.GetSnapshotAsync())!;
        Assert.Equal(3, snapshot.Counters["Paid"].Count);
        Assert.Equal(3, snapshot.AppliedCount);
        Assert.Equal(1, snapshot.DuplicateCount);
        var stored = await ReadStoredStateAsync(Storage, profile);
        Assert.Equal(3, stored.RecentEvents.Count);
    }

    [Fact]
    public async Task GetEvents_Cursor_WalksNewestFirst()
    {
        var profile = Profile("u1");
        var limit = ProfileClusterFixture.RecentEventLimit;
        await profile.ApplyAsync(
            Enumerable.Range(1, limit).Select(i => Track("u1", "Clicked", Start.AddSeconds(i), $"m{i}")).ToList());

        var first = await profile.GetEventsAsync(2, null);
        var second = await profile.GetEventsAsync(2, first.Next);
        var third = await profile.GetEventsAsync(2, second.Next);

        Assert.Equal(["m5", "m4"], first.Events.Select(e => e.MessageId));
        Assert.Equal(["m3", "m2"], second.Events.Select(e => e.MessageId));
        Assert.Equal(["m1"], third.Events.Select(e => e.MessageId));
        Assert.Null(third.Next);
    }

    [Fact]
    public async Task GetEvents_LastPage_HasNoCursor()
    {
        var profile = Profile("u1");
        await profile.ApplyAsync([Track("u1", "A", Start, "m1"), Track("u1", "B", Start.AddSeconds(1), "m2")]);

        var first = await profile.GetEventsAsync(1, null);
        var second = await profile.GetEventsAsync(1, first.Next);

        Assert.NotNull(first.Next);
        Assert.Null(second.Next);
        Assert.Equal("m1", Assert.Single(second.Events).MessageId);
    }

    [Fact]
    public async Task GetEvents_SameTimestamps_PagesEachEventOnce()
    {
        var profile = Profile("u1");
        await profile.ApplyAsync(new[] { "b", "d", "a", "c" }.Select(id => Track("u1", "Clicked", Start, id)).ToList());

        var seen = new List<string>();
        EventCursor? cursor = null;
        for (var page = 0; page < 10; page++)
        {
            var result = await profile.GetEventsAsync(1, cursor);
            seen.AddRange(result.Events.Select(e => e.MessageId));
            cursor = result.Next;
            if (cursor is null)
            {
                break;
            }
        }

        Assert.Equal(["d", "c", "b", "a"], seen);
    }

    [Fact]
    public async Task GetEvents_StoredEvent_KeepsSourceAndEnvelope()
    {
        var profile = Profile("u1");
        var message = Track("u1", "Paid", Start, "m1");

        await profile.ApplyAsync([message]);

        var stored = Assert.Single((await profile.GetEventsAsync(10, null)).Events);
        Assert.Equal(SourceId, stored.SourceId);
        Assert.Equal(message.Json, stored.Json);
        Assert.Equal(Start, stored.Timestamp);
    }

    [Fact]
    public async Task GetEvents_UnicodeAndLargeEnvelopes_RoundTrip()
    {
        var profile = Profile("u1");
        var unicode = Track("u1", "Café ☕", Start, "m1") with
        {
            Json = """{"type":"track","event":"Café ☕","messageId":"m1","properties":{"note":"日本語 😀","q":"a\"b"}}""",
        };
        var text = string.Concat(Enumerable.Repeat("ü日😀a", 2_900));
        var large = Track("u1", "Large", Start.AddMinutes(1), "m2") with
        {
            Json = $$$"""{"type":"track","event":"Large","messageId":"m2","properties":{"text":"{{{text}}}"}}""",
        };

        await profile.ApplyAsync([unicode, large]);

        var events = (await profile.GetEventsAsync(10, null)).Events;
        Assert.Equal(large.Json, events[0].Json);
        Assert.Equal(unicode.Json, events[1].Json);
        var stored = await ReadStoredStateAsync(Storage, profile);
        Assert.Equal([unicode.Json, large.Json], stored.RecentEvents.Select(e => e.Json));
        Assert.All(stored.RecentEvents, e => Assert.Null(e.LegacyJson));
        Assert.Equal(["""{"note":"日本語 😀","q":"a\"b"}""", "{}"],
            stored.Audiences.History.Select(e => e.PropertiesJson));
    }

    [Fact]
    public async Task Activate_LegacyStoredEvents_ReadsAndRewritesThem()
    {
        var profile = Profile("legacy");
        const string envelope = """{"type":"track","event":"Paid","messageId":"m-old","properties":{"plan":"pro","city":"Zürich"}}""";
        var state = new ProfileState
        {
            CreatedAt = Start,
            FirstSeen = Start,
            LastSeen = Start,
            AppliedCount = 1,
            Counters = { ["Paid"] = new EventCounter { Count = 1, First = Start, Last = Start } },
            RecentEvents =
            [
                new StoredEvent("m-old", Start, SourceId, []) { Utf8Json = null, LegacyJson = envelope, ExternalIds = ["user_id:legacy"] },
            ],
        };
        state.Audiences.History.Add(new HistoryEvent("m-old", MessageTypes.Track, "Paid", Start, [])
        {
            Utf8Properties = null,
            LegacyPropertiesJson = """{"plan":"pro","city":"Zürich"}""",
        });
        await Storage.WriteStateAsync("profile", profile.GetGrainId(), new GrainState<ProfileState>(state));

        var old = Assert.Single((await profile.GetEventsAsync(10, null)).Events);
        var matches = await profile.MatchesAsync(
            """{"event":"Paid","where":{"property":"city","operator":"equals","value":"Zürich"}}""");
        await profile.ApplyAsync([Track("legacy", "Paid", Start.AddMinutes(1), "m-new")]);

        Assert.Equal(envelope, old.Json);
        Assert.True(matches);
        var stored = await ReadStoredStateAsync(Storage, profile);
        Assert.Equal(["m-old", "m-new"], stored.RecentEvents.Select(e => e.MessageId));
        Assert.All(stored.RecentEvents, e => Assert.Null(e.LegacyJson));
        Assert.Equal(envelope, stored.RecentEvents[0].Json);
        Assert.All(stored.Audiences.History, e => Assert.Null(e.LegacyPropertiesJson));
        Assert.Equal("""{"plan":"pro","city":"Zürich"}""", stored.Audiences.History[0].PropertiesJson);
        Assert.Equal(2, (await profile.GetSnapshotAsync())!.Counters["Paid"].Count);
    }

    [Fact]
    public async Task Apply_UserAndAnonymousIds_ClaimsBothIdentities()
    {
        var profile = Profile("u1");

        await profile.ApplyAsync([Track("u1", "Paid", Start, anonymousId: "anon-1")]);

        Assert.Equal("user_id:u1", await Identity("user_id", "u1").ResolveAsync());
        Assert.Equal("user_id:u1", await Identity("anonymous_id", "anon-1").ResolveAsync());
    }

    [Fact]
    public async Task Apply_ClaimedAnonymousId_KeepsFirstOwner()
    {
        await Profile("u1").ApplyAsync([Track("u1", "Paid", Start, anonymousId: "shared-anon")]);

        await Profile("u2").ApplyAsync([Track("u2", "Paid", Start, anonymousId: "shared-anon")]);

        Assert.Equal("user_id:u1", await Identity("anonymous_id", "shared-anon").ResolveAsync());
        Assert.Equal("user_id:u2", await Identity("user_id", "u2").ResolveAsync());
    }

    [Fact]
    public async Task Apply_UnsafeUserId_ClaimsEncodedIdentity()
    {
        var userId = "a/b#c?d%e f";
        var profile = _grains.GetGrain<IProfileGrain>(
            GrainKeys.Scoped(_workspaceId, "user_id:" + GrainKeys.EncodeValue(userId)));

        await profile.ApplyAsync([Track(userId, "Paid", Start)]);

        var snapshot = (await profile.GetSnapshotAsync())!;
        Assert.Equal("user_id:" + GrainKeys.EncodeValue(userId), await Identity("user_id", userId).ResolveAsync());
        Assert.Contains(snapshot.ExternalIds, id => id.Type == "user_id" && id.Id == userId);
    }

    [Fact]
    public async Task Apply_ExternalIds_RecordSourceAndReceiveTime()
    {
        var profile = Profile("u1");

        await profile.ApplyAsync([Track("u1", "Paid", Start, anonymousId: "anon-1", receivedAt: Start.AddSeconds(3))]);

        var ids = (await profile.GetSnapshotAsync())!.ExternalIds;
        Assert.Equal(
            [new ExternalId("user_id", "u1", SourceId, Start.AddSeconds(3)), new ExternalId("anonymous_id", "anon-1", SourceId, Start.AddSeconds(3))],
            ids);
    }

    [Fact]
    public async Task Group_GroupIds_AreRecordedOnceInOrder()
    {
        var profile = Profile("u1");

        await profile.ApplyAsync([Group("u1", "acme"), Group("u1", "globex")]);
        await profile.ApplyAsync([Group("u1", "acme")]);

        Assert.Equal(["acme", "globex"], (await profile.GetSnapshotAsync())!.GroupIds);
    }

    [Fact]
    public async Task Absorb_BySurvivorWithoutMessages_KeepsStateForLaterMerge()
    {
        // Identity resolution may merge into a profile whose first message is still on its way. When that
        // profile is merged into an older one in turn, what it absorbed must go along.
        var victim = Profile("victim");
        var survivor = Profile("survivor");
        var oldest = Profile("oldest");
        await victim.ApplyAsync([Track("victim", "Paid", Start, messageId: "m-victim")]);
        await oldest.ApplyAsync([Track("oldest", "Opened", Start, messageId: "m-oldest")]);

        var first = await survivor.AbsorbAsync([ProfileKey("victim")], "m-link", IdentityRules.Default);
        var second = await oldest.AbsorbAsync([ProfileKey("survivor")], "m-link-2", IdentityRules.Default);

        Assert.Equal(1, first.Absorbed);
        Assert.Equal(1, second.Absorbed);
        var snapshot = (await oldest.GetSnapshotAsync())!;
        Assert.Contains(snapshot.ExternalIds, id => id.Type == "user_id" && id.Id == "victim");
        Assert.Equal(2, snapshot.AppliedCount);
        var events = (await oldest.GetEventsAsync(10, null)).Events.Select(e => e.MessageId);
        Assert.Equal(["m-oldest", "m-victim"], events.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task RoutedMessage_IdsListed_IsApplied()
    {
        var profile = Profile("u1");
        await profile.ApplyAsync([Track("u1", "Opened", Start) with { ExternalIds = [new("user_id", "u1")] }]);

        var result = await profile.ApplyAsync([Routed(Track("u1", "Paid", Start), new ExternalIdKey("user_id", "u1"))]);

        Assert.False(result.NotOwner);
        Assert.Equal(1, result.Applied);
        Assert.Equal(2, (await profile.GetSnapshotAsync())!.AppliedCount);
    }

    [Fact]
    public async Task RoutedMessage_IdNotListed_RejectsWholeCall()
    {
        var profile = Profile("u1");
        await profile.ApplyAsync([Track("u1", "Opened", Start) with { ExternalIds = [new("user_id", "u1")] }]);

        var result = await profile.ApplyAsync([
            Track("u1", "Viewed", Start) with { ExternalIds = [new("user_id", "u1")] },
            Routed(Track("u1", "Paid", Start), new ExternalIdKey("user_id", "u1"), new ExternalIdKey("anonymous_id", "elsewhere")),
        ]);

        Assert.True(result.NotOwner);
        Assert.Equal(0, result.Applied);
        var snapshot = (await profile.GetSnapshotAsync())!;
        Assert.Equal(1, snapshot.AppliedCount);
        Assert.DoesNotContain(snapshot.ExternalIds, id => id.Id == "elsewhere");
    }

    [Fact]
    public async Task RoutedMessage_NoProfile_IsRejected()
    {
        var result = await Profile("nobody").ApplyAsync([Routed(Track("nobody", "Paid", Start), new ExternalIdKey("user_id", "nobody"))]);

        Assert.True(result.NotOwner);
        Assert.Null(await Profile("nobody").GetSnapshotAsync());
    }

    [Fact]
    public async Task RoutedMessage_MergedProfile_IsNotForwarded()
    {
        var victim = Profile("victim");
        var survivor = Profile("survivor");
        await victim.ApplyAsync([Track("victim", "Paid", Start) with { ExternalIds = [new("user_id", "victim")] }]);
        await survivor.ApplyAsync([Track("survivor", "Opened", Start) with { ExternalIds = [new("user_id", "survivor")] }]);
        await survivor.AbsorbAsync([ProfileKey("victim")], "m-link", IdentityRules.Default);

        var routed = await victim.ApplyAsync([Routed(Track("victim", "Later", Start), new ExternalIdKey("user_id", "victim"))]);
        var plain = await victim.ApplyAsync([Track("victim", "Later", Start)]);

        Assert.True(routed.NotOwner);
        Assert.Null(routed.ForwardedTo);
        Assert.Equal(ProfileKey("survivor"), plain.ForwardedTo);
    }

    [Fact]
    public async Task IngestGrain_AppliesGroupsAndFollowsMerges()
    {
        var victim = Profile("victim");
        var survivor = Profile("survivor");
        await victim.ApplyAsync([Track("victim", "Paid", Start)]);
        await survivor.ApplyAsync([Track("survivor", "Opened", Start)]);
        await survivor.AbsorbAsync([ProfileKey("victim")], "m-link", IdentityRules.Default);

        var results = await _grains.GetGrain<IIngestGrain>(0).ApplyAsync(_workspaceId, [
            new ProfileMessages(ProfileKey("victim"), [Track("victim", "Later", Start, messageId: "m-later")]),
            new ProfileMessages(ProfileKey("other"), [Track("other", "First", Start), Track("other", "Second", Start)]),
        ]);

        Assert.Equal(2, results.Count);
        Assert.Equal(ProfileKey("survivor"), results[0].LandedOn);
        Assert.Equal(1, results[0].Result.Applied);
        Assert.Equal(ProfileKey("other"), results[1].LandedOn);
        Assert.Equal(2, results[1].Result.Applied);
        var events = (await survivor.GetEventsAsync(10, null)).Events.Select(e => e.MessageId);
        Assert.Contains("m-later", events);
    }

    private static TrackedMessage Routed(TrackedMessage message, params ExternalIdKey[] ids) =>
        message with { ExternalIds = ids, RoutedByKnownOwner = true };

    private IGrainStorage Storage => (_cluster.Primary as InProcessSiloHandle)?.SiloHost.Services
        .GetRequiredKeyedService<IGrainStorage>(SendoraNames.GrainStorage)
        ?? throw new InvalidOperationException("The test cluster's primary silo is not in this process.");

    /// <summary>Reads the profile's state from grain storage as a new activation would.</summary>
    internal static async Task<ProfileState> ReadStoredStateAsync(IGrainStorage storage, IProfileGrain profile)
    {
        var state = new GrainState<ProfileState>();
        await storage.ReadStateAsync("profile", profile.GetGrainId(), state);
        Assert.True(state.RecordExists, "Storage has no record of the profile.");
        return state.State ?? throw new InvalidOperationException("Storage returned no profile state.");
    }

    /// <summary>Waits until the profile has packed its idle state. Inspection shows the size of the last packed state, and unpacks it.</summary>
    internal static async Task<GrainInspection> WaitUntilPackedAsync(IProfileGrain profile)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            await Task.Delay(ProfileClusterFixture.PackAfterIdle * 2.5);
            var inspection = await profile.InspectAsync(1000);
            if (inspection.PackedBytes is not null || DateTime.UtcNow > deadline)
            {
                Assert.True(inspection.PackedBytes is not null, "The profile did not pack its state within 60 seconds.");
                return inspection;
            }
        }
    }

    private IProfileGrain Profile(string userId) =>
        _grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(_workspaceId, ProfileKey(userId)));

    private static string ProfileKey(string userId) => "user_id:" + userId;

    private IIdentityGrain Identity(string type, string value) =>
        _grains.GetGrain<IIdentityGrain>(GrainKeys.ForExternalId(_workspaceId, type, value));

    private static TrackedMessage Track(
        string userId,
        string name,
        DateTimeOffset timestamp,
        string? messageId = null,
        string? anonymousId = null,
        DateTimeOffset? receivedAt = null) =>
        Message(MessageTypes.Track, userId, timestamp, messageId, receivedAt) with { Name = name, AnonymousId = anonymousId };

    private static TrackedMessage Page(string userId, string name, DateTimeOffset timestamp) =>
        Message(MessageTypes.Page, userId, timestamp) with { Name = name };

    private static TrackedMessage Identify(string userId, string traitsJson, DateTimeOffset? timestamp = null) =>
        Message(MessageTypes.Identify, userId, timestamp ?? Start) with { TraitsJson = traitsJson };

    private static TrackedMessage Group(string userId, string groupId) =>
        Message(MessageTypes.Group, userId, Start) with { GroupId = groupId };

    private static TrackedMessage Message(
        string type, string userId, DateTimeOffset timestamp, string? messageId = null, DateTimeOffset? receivedAt = null)
    {
        var id = messageId ?? Guid.NewGuid().ToString("N");
        return new TrackedMessage
        {
            Type = type,
            MessageId = id,
            UserId = userId,
            Timestamp = timestamp,
            ReceivedAt = receivedAt ?? Received,
            SourceId = SourceId,
            Json = JsonSerializer.Serialize(new { type, messageId = id, userId, timestamp }),
        };
    }

    private static JsonElement Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
