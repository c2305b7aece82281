using System.Net;
using System.Text.Json;
using Sendora.Grains.Sync;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Sync;

/// <summary>Runs of a sync against a real PostgreSQL: a full backfill, then only the changes after it.</summary>
public sealed class SyncExportTests
{
    private const int SeededProfiles = 10_000;

    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(10);

    [Fact]
    public async Task Backfill_ThenSecondRun_ExportsOnlyChanges()
    {
        await using var server = await SendoraServer.StartAsync();
        var client = await SyncClient.CreateWorkspaceAsync(server.Http);
        using (var audience = await client.SendAsAdminAsync(HttpMethod.Post, $"/admin/v1/workspaces/{client.WorkspaceId}/audiences",
            """{"id":"pro","name":"Pro","condition":{"trait":"plan","operator":"equals","value":"pro"}}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.Created, audience);
        }

        // 9,999 identified profiles, every tenth in the audience, and one anonymous profile that a later identify merges.
        var seed = Enumerable.Range(1, SeededProfiles - 1)
            .Select(i => Identify($"u-{i}", $"a-{i}", $"seed-{i}", i % 10 == 0 ? "pro" : "free", i))
            .Append("""{"type":"track","anonymousId":"anon-only","event":"Viewed","messageId":"seed-anon"}""")
            .ToList();
        await client.SendBatchAsync(seed);

        var connectionString = await Postgres.GetConnectionStringAsync();
        var schema = Postgres.NewSchema("export");
        await client.CreateSyncAsync("warehouse", connectionString, schema, chunkSize: 1_000);

        var first = await client.RunAsync("warehouse", RunTimeout);

        Assert.Equal("succeeded", first.GetProperty("status").GetString());
        Assert.Equal("backfill", first.GetProperty("kind").GetString());
        Assert.Equal(SeededProfiles, Table(first, "profiles").GetProperty("added").GetInt64());
        Assert.Equal(2 * (SeededProfiles - 1) + 1, Table(first, "externalIds").GetProperty("added").GetInt64());
        Assert.Equal(999, Table(first, "audienceMemberships").GetProperty("added").GetInt64());
        Assert.Equal(SeededProfiles, Table(first, "events").GetProperty("added").GetInt64());
        Assert.Equal(0, first.GetProperty("rowsDeleted").GetInt64());
        Assert.Equal(SeededProfiles, await Postgres.CountAsync($"SELECT count(*) FROM {schema}.profiles"));
        Assert.Equal(999, await Postgres.CountAsync($"SELECT count(*) FROM {schema}.audience_memberships WHERE audience_id = 'pro'"));
        Assert.Equal(PostgresMigrations.Latest, await Postgres.CountAsync($"SELECT max(version) FROM {schema}.schema_version"));
        var u42 = (await Postgres.QueryAsync(
            $"SELECT user_id, anonymous_ids, traits->>'plan', traits->>'n' FROM {schema}.profiles WHERE user_id = 'u-42'")).Single();
        Assert.Equal("u-42", u42[0]);
        Assert.Equal(["a-42"], (string[])u42[1]!);
        Assert.Equal("free", u42[2]);
        Assert.Equal("42", u42[3]);

        // Changes: 5 new profiles, 3 trait updates, 2 members leaving the audience and a merge that deletes a profile.
        var changes = Enumerable.Range(1, 5).Select(i => Identify($"new-{i}", $"new-anon-{i}", $"new-{i}", "free", -i))
            .Concat(Enumerable.Range(1, 3).Select(i => Identify($"u-{i}", null, $"update-{i}", "free", 1_000 + i)))
            .Concat([Identify("u-10", null, "leave-10", "free", 10), Identify("u-20", null, "leave-20", "free", 20)])
            .Append("""{"type":"identify","userId":"u-7","anonymousId":"anon-only","messageId":"link-7"}""")
            .ToList();
        foreach (var message in changes)
        {
            await client.SendBatchAsync([message]);
        }

        var second = await client.RunAsync("warehouse", RunTimeout);

        Assert.Equal("succeeded", second.GetProperty("status").GetString());
        Assert.Equal("incremental", second.GetProperty("kind").GetString());
        var progress = second.GetProperty("progress");
        Assert.Equal(progress.GetProperty("total").GetInt64(), progress.GetProperty("done").GetInt64());
        Assert.InRange(progress.GetProperty("done").GetInt64(), 12, 100);
        var profiles = Table(second, "profiles");
        Assert.Equal(5, profiles.GetProperty("added").GetInt64());
        Assert.Equal(6, profiles.GetProperty("updated").GetInt64());
        Assert.Equal(1, profiles.GetProperty("deleted").GetInt64());
        var memberships = Table(second, "audienceMemberships");
        Assert.Equal(0, memberships.GetProperty("added").GetInt64());
        Assert.Equal(2, memberships.GetProperty("deleted").GetInt64());

        Assert.Equal(SeededProfiles + 5 - 1, await Postgres.CountAsync($"SELECT count(*) FROM {schema}.profiles"));
        Assert.Equal(997, await Postgres.CountAsync($"SELECT count(*) FROM {schema}.audience_memberships"));
        Assert.Equal(0, await Postgres.CountAsync(
            $"SELECT count(*) FROM {schema}.audience_memberships m JOIN {schema}.profiles p USING (profile_id) WHERE p.user_id IN ('u-10', 'u-20')"));
        Assert.Equal("1002", (await Postgres.QueryAsync($"SELECT traits->>'n' FROM {schema}.profiles WHERE user_id = 'u-2'")).Single()[0]);
        Assert.Equal(SeededProfiles + changes.Count, await Postgres.CountAsync($"SELECT count(*) FROM {schema}.events"));

        // The merged profiles are one row, which has both ids and both events.
        var merged = (await Postgres.QueryAsync(
            $"SELECT profile_id, anonymous_ids FROM {schema}.profiles WHERE user_id = 'u-7'")).Single();
        Assert.Contains("anon-only", (string[])merged[1]!);
        Assert.Equal(0, await Postgres.CountAsync(
            $"SELECT count(*) FROM {schema}.external_ids WHERE value = 'anon-only' AND profile_id <> '{merged[0]}'"));
        Assert.Equal(merged[0], (await Postgres.QueryAsync(
            $"SELECT profile_id FROM {schema}.events WHERE message_id = 'seed-anon'")).Single()[0]);
        Assert.Equal(merged[0], (await Postgres.QueryAsync(
            $"SELECT profile_id FROM {schema}.track_viewed WHERE message_id = 'seed-anon'")).Single()[0]);

        // A run with nothing new changes nothing.
        var third = await client.RunAsync("warehouse", RunTimeout);
        Assert.Equal(0, third.GetProperty("rowsAdded").GetInt64());
        Assert.Equal(0, third.GetProperty("rowsUpdated").GetInt64());
        Assert.Equal(0, third.GetProperty("rowsDeleted").GetInt64());

        var runs = (await client.GetAsync($"{client.SyncsPath}/warehouse/runs")).GetProperty("data").EnumerateArray()
            .Select(r => r.GetProperty("id").GetString()).ToList();
        Assert.Equal([third.GetProperty("id").GetString(), second.GetProperty("id").GetString(), first.GetProperty("id").GetString()], runs);
    }

    [Fact]
    public async Task Reset_ExportsEveryProfileAgain()
    {
        await using var server = await SendoraServer.StartAsync();
        var client = await SyncClient.CreateWorkspaceAsync(server.Http);
        await client.SendBatchAsync([.. Enumerable.Range(1, 50).Select(i => Identify($"r-{i}", null, $"r-{i}", "free", i))]);
        var schema = Postgres.NewSchema("reset");
        await client.CreateSyncAsync("s", await Postgres.GetConnectionStringAsync(), schema, chunkSize: 7);
        var first = await client.RunAsync("s", RunTimeout);
        Assert.True(50 == Table(first, "profiles").GetProperty("added").GetInt64(), first.ToString());
        Assert.Equal(1, await Postgres.CountAsync($"WITH d AS (DELETE FROM {schema}.profiles WHERE user_id = 'r-1' RETURNING 1) SELECT count(*) FROM d"));

        var reset = await client.RunAsync("s", RunTimeout, reset: true);

        Assert.Equal("reset", reset.GetProperty("trigger").GetString());
        Assert.Equal("backfill", reset.GetProperty("kind").GetString());
        Assert.True(1 == Table(reset, "profiles").GetProperty("added").GetInt64(), reset.ToString());
        Assert.Equal(0, Table(reset, "profiles").GetProperty("updated").GetInt64());
        Assert.Equal(50, await Postgres.CountAsync($"SELECT count(*) FROM {schema}.profiles"));
    }

    [Fact]
    public async Task RunAndReset_Accepted_ReportKindOfRun()
    {
        await using var server = await SendoraServer.StartAsync();
        var client = await SyncClient.CreateWorkspaceAsync(server.Http);
        await client.SendBatchAsync([.. Enumerable.Range(1, 20).Select(i => Identify($"k-{i}", null, $"k-{i}", "free", i))]);
        await client.CreateSyncAsync("s", await Postgres.GetConnectionStringAsync(), Postgres.NewSchema("kind"), chunkSize: 5);

        // The first run finds no checkpoint in the target, so it is a backfill from its 202 on.
        var first = await client.StartRunAsync("s");
        Assert.Equal("backfill", first.GetProperty("kind").GetString());
        Assert.Equal("backfill", first.GetProperty("progress").GetProperty("phase").GetString());
        Assert.Equal(20, first.GetProperty("progress").GetProperty("total").GetInt64());
        Assert.Equal("backfill", (await client.WaitForRunAsync("s", RunTimeout)).GetProperty("kind").GetString());

        var second = await client.StartRunAsync("s");
        Assert.Equal("incremental", second.GetProperty("kind").GetString());
        Assert.Equal("incremental", (await client.WaitForRunAsync("s", RunTimeout)).GetProperty("kind").GetString());

        var reset = await client.StartRunAsync("s", reset: true);
        Assert.Equal("backfill", reset.GetProperty("kind").GetString());
        Assert.Equal("backfill", (await client.WaitForRunAsync("s", RunTimeout)).GetProperty("kind").GetString());
    }

    private static JsonElement Table(JsonElement run, string name) => run.GetProperty("tables").GetProperty(name);

    /// <summary>Returns an identify message for a batch; a null anonymous id is left out.</summary>
    public static string Identify(string userId, string? anonymousId, string messageId, string plan, int n)
    {
        var message = new Dictionary<string, object>
        {
            ["type"] = "identify",
            ["userId"] = userId,
            ["messageId"] = messageId,
            ["traits"] = new { plan, n },
        };
        if (anonymousId is not null)
        {
            message["anonymousId"] = anonymousId;
        }

        return JsonSerializer.Serialize(message);
    }
}
