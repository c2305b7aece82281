using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Sendora.Grains.Admin.Audit;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Admin;

/// <summary>The audit log: what each admin change records, actors, filters, paging, retention and size bounds.</summary>
public sealed class AuditLogTests(AuditFixture fixture) : IClassFixture<AuditFixture>
{
    private const string Condition = """{"trait":"plan","operator":"equals","value":"pro"}""";

    [Fact]
    public async Task AudienceChanges_RecordBeforeAndAfter()
    {
        var ws = await fixture.CreateWorkspaceAsync();
        var at = fixture.Clock.GetUtcNow();
        await CreateAudienceAsync(ws, "vip", AuditFixture.AliceToken);
        await fixture.SendOkAsync(HttpStatusCode.OK, HttpMethod.Put, $"/admin/v1/workspaces/{ws}/audiences/vip",
            """{"name":"Very important"}""", AuditFixture.AliceToken);
        await fixture.SendOkAsync(HttpStatusCode.NoContent, HttpMethod.Delete, $"/admin/v1/workspaces/{ws}/audiences/vip",
            token: AuditFixture.AliceToken);

        var entries = await fixture.ReadEntriesAsync(ws, $"?target=workspaces/{ws}/audiences/vip");

        Assert.Equal(["audience.delete", "audience.update", "audience.create"], entries.Select(e => Text(e, "action")));
        Assert.All(entries, e => Assert.Equal("alice", Text(e, "actor")));
        Assert.All(entries, e => Assert.Equal($"workspaces/{ws}/audiences/vip", Text(e, "target")));
        Assert.All(entries, e => Assert.Equal(at, e.GetProperty("at").GetDateTimeOffset()));
        Assert.Equal(3, entries.Select(e => Text(e, "id")).Distinct().Count());
        var (delete, update, create) = (entries[0], entries[1], entries[2]);
        Assert.Equal(JsonValueKind.Null, create.GetProperty("before").ValueKind);
        Assert.Equal("vip", Value(create, "after").GetProperty("name").GetString());
        Assert.Equal("vip", Value(update, "before").GetProperty("name").GetString());
        Assert.Equal("Very important", Value(update, "after").GetProperty("name").GetString());
        Assert.Equal("pro", Value(update, "after").GetProperty("condition").GetProperty("value").GetString());
        Assert.Equal("Very important", Value(delete, "before").GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.Null, delete.GetProperty("after").ValueKind);
    }

    [Fact]
    public async Task ActorFilter_ShowsOnlyThatActorsChanges()
    {
        var ws = await fixture.CreateWorkspaceAsync();
        await CreateAudienceAsync(ws, "a", AuditFixture.AliceToken);
        await CreateAudienceAsync(ws, "b", AuditFixture.BobToken);
        await fixture.SendOkAsync(HttpStatusCode.OK, HttpMethod.Put, $"/admin/v1/workspaces/{ws}/audiences/a",
            """{"name":"A"}""", AuditFixture.BobToken);

        var alice = await fixture.ReadEntriesAsync(ws, "?actor=alice");
        var bob = await fixture.ReadEntriesAsync(ws, "?actor=bob");
        var admin = await fixture.ReadEntriesAsync(ws, "?actor=admin");

        Assert.Equal([$"audience.create workspaces/{ws}/audiences/a"], alice.Select(Describe));
        Assert.Equal([$"audience.update workspaces/{ws}/audiences/a", $"audience.create workspaces/{ws}/audiences/b"],
            bob.Select(Describe));
        Assert.Equal(["source.create", "workspace.create"], admin.Select(e => Text(e, "action")));
        Assert.Empty(await fixture.ReadEntriesAsync(ws, "?actor=carol"));
    }

    [Fact]
    public async Task TimeFilters_FromInclusiveToExclusive()
    {
        var ws = await fixture.CreateWorkspaceAsync();
        var times = new List<DateTimeOffset>();
        foreach (var id in new[] { "t1", "t2", "t3" })
        {
            times.Add(fixture.Clock.Advance(TimeSpan.FromHours(1)));
            await CreateAudienceAsync(ws, id);
        }

        const string query = "?action=audience.create";
        var fromSecond = await fixture.ReadEntriesAsync(ws, $"{query}&from={Iso(times[1])}");
        var toSecond = await fixture.ReadEntriesAsync(ws, $"{query}&to={Iso(times[1])}");
        var between = await fixture.ReadEntriesAsync(ws, $"{query}&from={Iso(times[0])}&to={Iso(times[2])}");
        var thirdWithOffset = times[2].ToOffset(TimeSpan.FromHours(2))
            .ToString("yyyy-MM-ddTHH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
        var byOffset = await fixture.ReadEntriesAsync(ws, $"{query}&from={Uri.EscapeDataString(thirdWithOffset)}");

        Assert.Equal(["t3", "t2"], fromSecond.Select(AudienceId));
        Assert.Equal(["t1"], toSecond.Select(AudienceId));
        Assert.Equal(["t2", "t1"], between.Select(AudienceId));
        Assert.Equal(["t3"], byOffset.Select(AudienceId));
    }

    [Fact]
    public async Task ActionAndTargetFilters_Match()
    {
        var ws = await fixture.CreateWorkspaceAsync();
        await CreateAudienceAsync(ws, "vip");
        await CreateAudienceAsync(ws, "vip2");
        await fixture.SendOkAsync(HttpStatusCode.OK, HttpMethod.Put, $"/admin/v1/workspaces/{ws}/audiences/vip", """{"name":"V"}""");
        await fixture.SendOkAsync(HttpStatusCode.Created, HttpMethod.Put, $"/admin/v1/workspaces/{ws}/computed-traits/orders",
            """{"definition":{"kind":"count","event":"Order Completed"}}""");

        var creates = await fixture.ReadEntriesAsync(ws, "?action=audience.create");
        var vip = await fixture.ReadEntriesAsync(ws, $"?target=workspaces/{ws}/audiences/vip");
        var audiences = await fixture.ReadEntriesAsync(ws, $"?target=workspaces/{ws}/audiences/");
        var traitUpdates = await fixture.ReadEntriesAsync(ws, $"?target=workspaces/{ws}/computed-traits&action=computed_trait.create");
        var everything = await fixture.ReadEntriesAsync(ws, $"?target=workspaces/{ws}");

        Assert.Equal(["vip2", "vip"], creates.Select(AudienceId));
        Assert.Equal(["audience.update", "audience.create"], vip.Select(e => Text(e, "action")));
        Assert.All(vip, e => Assert.Equal($"workspaces/{ws}/audiences/vip", Text(e, "target")));
        Assert.Equal(3, audiences.Count);
        Assert.Equal($"workspaces/{ws}/computed-traits/orders", Text(Assert.Single(traitUpdates), "target"));
        Assert.Equal(6, everything.Count);
    }

    [Fact]
    public async Task Cursor_PagesThroughEveryEntryOnceNewestFirst()
    {
        var ws = await fixture.CreateWorkspaceAsync();
        for (var i = 0; i < 7; i++)
        {
            await CreateAudienceAsync(ws, $"a{i}");
            if (i % 3 == 0)
            {
                fixture.Clock.Advance(TimeSpan.FromMinutes(1));
            }
        }

        var all = await fixture.ReadEntriesAsync(ws, "?limit=500");
        var paged = new List<JsonElement>();
        var pageSizes = new List<int>();
        string? next = null;
        do
        {
            var page = await fixture.ReadAuditAsync(ws, "?limit=4" + (next is null ? string.Empty : $"&next={next}"));
            var entries = page.GetProperty("data").EnumerateArray().ToList();
            paged.AddRange(entries);
            pageSizes.Add(entries.Count);
            next = page.GetProperty("next").GetString();
        }
        while (next is not null);

        Assert.Equal(9, all.Count);
        Assert.Equal([4, 4, 1], pageSizes);
        Assert.Equal(all.Select(e => Text(e, "id")), paged.Select(e => Text(e, "id")));
        Assert.Equal(["a6", "a5", "a4", "a3", "a2", "a1", "a0"], all.Take(7).Select(AudienceId));
        Assert.Equal(["source.create", "workspace.create"], all.Skip(7).Select(e => Text(e, "action")));
        Assert.Equal(JsonValueKind.Null, (await fixture.ReadAuditAsync(ws, "?limit=9")).GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task CursorWithFilter_PagesOnlyMatchingEntries()
    {
        var ws = await fixture.CreateWorkspaceAsync();
        for (var i = 0; i < 5; i++)
        {
            await CreateAudienceAsync(ws, $"c{i}", i % 2 == 0 ? AuditFixture.AliceToken : null);
        }

        var first = await fixture.ReadAuditAsync(ws, "?actor=alice&limit=2");
        var second = await fixture.ReadAuditAsync(ws, $"?actor=alice&limit=2&next={first.GetProperty("next").GetString()}");

        Assert.Equal(["c4", "c2"], first.GetProperty("data").EnumerateArray().Select(AudienceId));
        Assert.Equal(["c0"], second.GetProperty("data").EnumerateArray().Select(AudienceId));
        Assert.Equal(JsonValueKind.Null, second.GetProperty("next").ValueKind);
    }

    [Fact]
    public async Task Retention_DropsEntriesPastNinetyDays()
    {
        var ws = await fixture.CreateWorkspaceAsync();
        var firstDay = AuditSegmentInfo.DayOf(fixture.Clock.GetUtcNow());
        await CreateAudienceAsync(ws, "old");
        fixture.Clock.Advance(TimeSpan.FromDays(89));
        await CreateAudienceAsync(ws, "kept");
        var before = await fixture.ReadEntriesAsync(ws, "?action=audience.create");

        fixture.Clock.Advance(TimeSpan.FromDays(2));
        await CreateAudienceAsync(ws, "new");
        var after = await fixture.ReadEntriesAsync(ws);
        var segments = await fixture.Grains.GetGrain<IAuditLogGrain>(ws).GetSegmentsAsync();
        var dropped = await fixture.Grains.GetGrain<IAuditSegmentGrain>(new AuditSegmentInfo(firstDay, 0).GrainKey(ws))
            .QueryAsync(new AuditQuery());

        Assert.Equal(["kept", "old"], before.Select(AudienceId));
        Assert.Equal(["new", "kept"], after.Select(AudienceId));
        Assert.DoesNotContain(segments, s => s.Day == firstDay);
        Assert.Equal(2, segments.Count);
        Assert.Empty(dropped);
    }

    [Fact]
    public async Task DailyDrop_RemovesExpiredSegmentsWithoutAppends()
    {
        var ws = await fixture.CreateWorkspaceAsync();
        await CreateAudienceAsync(ws, "old");
        var log = fixture.Grains.GetGrain<IAuditLogGrain>(ws);
        var segmentsBefore = await log.GetSegmentsAsync();

        fixture.Clock.Advance(TimeSpan.FromDays(91));
        await log.DropExpiredAsync();

        Assert.Single(segmentsBefore);
        Assert.Empty(await log.GetSegmentsAsync());
        Assert.Empty(await fixture.ReadEntriesAsync(ws));
    }

    [Fact]
    public async Task LongValue_IsCutWithMarker()
    {
        var ws = await fixture.CreateWorkspaceAsync();
        var body = LargeAudience("long", 'x');

        await fixture.SendOkAsync(HttpStatusCode.Created, HttpMethod.Post, $"/admin/v1/workspaces/{ws}/audiences", body);
        var entry = Assert.Single(await fixture.ReadEntriesAsync(ws, "?action=audience.create"));
        var after = Text(entry, "after");

        Assert.Equal(AuditValues.MaxBytes, Encoding.UTF8.GetByteCount(after), tolerance: 3);
        Assert.True(Encoding.UTF8.GetByteCount(after) <= AuditValues.MaxBytes);
        Assert.Matches(@"…\[truncated from \d+ bytes\]\z", after);
        Assert.StartsWith("{\"id\":\"long\"", after, StringComparison.Ordinal);
        var marker = after[(after.LastIndexOf(AuditValues.TruncationMarker, StringComparison.Ordinal) + AuditValues.TruncationMarker.Length)..];
        var total = int.Parse(marker.Split(' ')[0], CultureInfo.InvariantCulture);
        Assert.True(total > AuditValues.MaxBytes, $"The marker names {total} bytes.");
    }

    [Fact]
    public async Task LargeEntries_RollToNewSegment()
    {
        var ws = await fixture.CreateWorkspaceAsync();
        await fixture.SendOkAsync(HttpStatusCode.Created, HttpMethod.Post, $"/admin/v1/workspaces/{ws}/audiences",
            LargeAudience("big", 'a'));
        foreach (var fill in "bcd")
        {
            await fixture.SendOkAsync(HttpStatusCode.OK, HttpMethod.Put, $"/admin/v1/workspaces/{ws}/audiences/big",
                LargeAudience("big", fill));
        }

        var segments = await fixture.Grains.GetGrain<IAuditLogGrain>(ws).GetSegmentsAsync();
        var all = await fixture.ReadEntriesAsync(ws);
        var paged = new List<string>();
        string? next = null;
        do
        {
            var page = await fixture.ReadAuditAsync(ws, "?limit=2" + (next is null ? string.Empty : $"&next={next}"));
            paged.AddRange(page.GetProperty("data").EnumerateArray().Select(e => Text(e, "id")));
            next = page.GetProperty("next").GetString();
        }
        while (next is not null);

        Assert.True(segments.Count >= 2, $"Expected the day to roll to a second segment, found {segments.Count}.");
        Assert.Single(segments.Select(s => s.Day).Distinct());
        Assert.Equal(
            ["audience.update", "audience.update", "audience.update", "audience.create", "source.create", "workspace.create"],
            all.Select(e => Text(e, "action")));
        Assert.Equal(all.Select(e => Text(e, "id")), paged);
    }

    [Fact]
    public async Task EntrySentAgain_IsStoredOnce()
    {
        var log = fixture.Grains.GetGrain<IAuditLogGrain>("audit-" + Guid.NewGuid().ToString("N")[..12]);
        var large = new string('z', AuditValues.MaxBytes);
        var first = AuditStamp.New("admin", fixture.Clock.GetUtcNow()).ToEntry("audience.update", "workspaces/w/audiences/a", large, large);
        var second = AuditStamp.New("admin", fixture.Clock.GetUtcNow()).ToEntry("audience.update", "workspaces/w/audiences/b", large, large);

        await log.AppendAsync([first]);
        await log.AppendAsync([first, second]);
        await log.AppendAsync([first]);
        var page = await log.QueryAsync(new AuditQuery());

        Assert.Equal([second.Id, first.Id], page.Entries.Select(e => e.Id));
        Assert.Equal(2, (await log.GetSegmentsAsync()).Count);
    }

    [Fact]
    public async Task EntryPastRetention_IsSkipped()
    {
        var log = fixture.Grains.GetGrain<IAuditLogGrain>("audit-" + Guid.NewGuid().ToString("N")[..12]);
        var old = AuditStamp.New("admin", fixture.Clock.GetUtcNow() - TimeSpan.FromDays(91))
            .ToEntry("audience.create", "workspaces/w/audiences/a", null, "{}");

        await log.AppendAsync([old]);

        Assert.Empty((await log.QueryAsync(new AuditQuery())).Entries);
        Assert.Empty(await log.GetSegmentsAsync());
    }

    [Fact]
    public async Task SourceChanges_RecordedWithoutWriteKeys()
    {
        var ws = await fixture.CreateWorkspaceAsync();
        using var created = await fixture.SendAsync(HttpMethod.Post, $"/admin/v1/workspaces/{ws}/sources", """{"name":"Web"}""",
            AuditFixture.BobToken);
        await JsonAssert.StatusAsync(HttpStatusCode.Created, created);
        var source = await JsonAssert.ReadAsync(created);
        var sourceId = source.GetProperty("id").GetString();
        await fixture.SendOkAsync(HttpStatusCode.OK, HttpMethod.Patch, $"/admin/v1/workspaces/{ws}/sources/{sourceId}",
            """{"enabled":false}""", AuditFixture.BobToken);

        var entries = await fixture.ReadEntriesAsync(ws);
        var update = entries[0];

        Assert.Equal(["source.update", "source.create", "source.create", "workspace.create"], entries.Select(e => Text(e, "action")));
        Assert.Equal($"workspaces/{ws}/sources/{sourceId}", Text(update, "target"));
        Assert.Equal("bob", Text(update, "actor"));
        Assert.True(Value(update, "before").GetProperty("enabled").GetBoolean());
        Assert.False(Value(update, "after").GetProperty("enabled").GetBoolean());
        Assert.Equal(ws, Value(entries[3], "after").GetProperty("id").GetString());
        Assert.All(entries, e => Assert.DoesNotContain(source.GetProperty("writeKey").GetString()!, e.GetRawText(), StringComparison.Ordinal));
        Assert.All(entries, e => Assert.DoesNotContain("writeKey", e.GetRawText(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task SubscriptionChange_IsRecorded()
    {
        var ws = await fixture.CreateWorkspaceAsync();

        await fixture.SendOkAsync(HttpStatusCode.OK, HttpMethod.Put, $"/admin/v1/workspaces/{ws}/profiles/p1/subscriptions/email",
            """{"subscribed":false,"reason":"Asked by phone"}""", AuditFixture.AliceToken);
        var entry = Assert.Single(await fixture.ReadEntriesAsync(ws, "?action=subscription.update"));

        Assert.Equal($"workspaces/{ws}/profiles/p1/subscriptions/email", Text(entry, "target"));
        Assert.Equal("alice", Text(entry, "actor"));
        Assert.False(Value(entry, "after").GetProperty("subscribed").GetBoolean());
        Assert.Equal("Asked by phone", Value(entry, "after").GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=501", "limit")]
    [InlineData("limit=ten", "limit")]
    [InlineData("from=yesterday", "from")]
    [InlineData("to=2026-13-01", "to")]
    [InlineData("from=2026-03-02&to=2026-03-01", "to")]
    [InlineData("actor=Alice%21", "actor")]
    [InlineData("action=update", "action")]
    [InlineData("target=%2Fworkspaces", "target")]
    [InlineData("next=not-a-cursor", "next")]
    public async Task InvalidFilter_Returns400NamingParameter(string query, string parameter)
    {
        var ws = await fixture.CreateWorkspaceAsync();

        using var response = await fixture.SendAsync(HttpMethod.Get, $"/admin/v1/workspaces/{ws}/audit?{query}");
        var problem = await JsonAssert.ReadAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith($"'{parameter}' must be ", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownToken_Returns401()
    {
        using var response = await fixture.SendAsync(HttpMethod.Get, "/admin/v1/workspaces", token: "carol-token-0123456789abcdef");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task OpenApi_ListsAuditFilters()
    {
        using var response = await fixture.Server.Http.GetAsync("/openapi/v1.json");
        var document = await JsonAssert.ReadAsync(response);
        var operation = document.GetProperty("paths").GetProperty("/admin/v1/workspaces/{workspaceId}/audit").GetProperty("get");
        var parameters = operation.GetProperty("parameters").EnumerateArray().Select(p => p.GetProperty("name").GetString()).ToList();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["workspaceId", "from", "to", "actor", "action", "target", "limit", "next"], parameters);
    }

    private Task CreateAudienceAsync(string ws, string id, string? token = null) =>
        fixture.SendOkAsync(HttpStatusCode.Created, HttpMethod.Post, $"/admin/v1/workspaces/{ws}/audiences",
            $$"""{"id":"{{id}}","name":"{{id}}","condition":{{Condition}}}""", token);

    // An audience whose view takes more than AuditValues.MaxBytes: a condition near its 64 KiB limit and a long description.
    private static string LargeAudience(string id, char fill) =>
        JsonSerializer.Serialize(new
        {
            id,
            name = id,
            description = new string(fill, 2_000),
            condition = new { trait = "plan", @operator = "equals", value = new string(fill, 65_000) },
        });

    private static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static string Text(JsonElement entry, string property) => entry.GetProperty(property).GetString()!;

    private static JsonElement Value(JsonElement entry, string property)
    {
        using var document = JsonDocument.Parse(Text(entry, property));
        return document.RootElement.Clone();
    }

    private static string Describe(JsonElement entry) => $"{Text(entry, "action")} {Text(entry, "target")}";

    private static string AudienceId(JsonElement entry) => Text(entry, "target").Split('/')[^1];
}
