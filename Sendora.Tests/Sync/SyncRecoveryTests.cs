using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Sync;

/// <summary>
/// A run whose silo process is killed midway continues from its last committed chunk after a restart, and leaves every
/// table, event tables and discards included, as an uninterrupted run does.
/// </summary>
public sealed class SyncRecoveryTests
{
    private const int Profiles = 2_000;

    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(10);

    /// <summary>Every column but <c>synced_at</c>, which is the time of the export.</summary>
    private static readonly Dictionary<string, string> TableColumns = new()
    {
        ["profiles"] = "profile_id, user_id, anonymous_ids, traits, computed_traits, created_at, first_seen, last_seen",
        ["external_ids"] = "profile_id, type, value, source_id, created_at",
        ["audience_memberships"] = "audience_id, profile_id, entered_at",
        ["events"] = "message_id, profile_id, type, event, timestamp, received_at, source_id, properties, message",
        ["event_tables"] = "table_name, event_name",
        ["event_columns"] = "table_name, column_name, position, data_type, property",
        ["track_order"] = "message_id, profile_id, timestamp, total, paid, items, order_id",
        ["discards"] = "message_id, table_name, column_name, value, reason",
    };

    [Fact]
    public async Task SiloKilledMidRun_ResumedRunMatchesUninterruptedRun()
    {
        await using var cluster = await SendoraCluster.StartAsync();
        var client = new SyncClient(cluster.Http, "default", cluster.WriteKey);
        using (var audience = await client.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces/default/audiences",
            """{"id":"pro","name":"Pro","condition":{"trait":"plan","operator":"equals","value":"pro"}}"""))
        {
            await JsonAssert.StatusAsync(System.Net.HttpStatusCode.Created, audience);
        }

        await client.SendBatchAsync([.. Enumerable.Range(1, Profiles).Select(i => SyncExportTests.Identify(
            $"k-{i}", $"ka-{i}", $"k-{i}", i % 3 == 0 ? "pro" : "free", i))]);
        await client.SendBatchAsync([.. Enumerable.Range(1, Profiles).Select(Order)]);
        var connectionString = await Postgres.GetConnectionStringAsync();
        var interrupted = Postgres.NewSchema("killed");
        var uninterrupted = Postgres.NewSchema("whole");
        await client.CreateSyncAsync("killed", connectionString, interrupted, chunkSize: 20);

        var started = await client.StartRunAsync("killed");
        var midway = await Poll.UntilAsync(
            () => client.GetAsync($"{client.SyncsPath}/killed"),
            view => view.GetProperty("currentRun").ValueKind != System.Text.Json.JsonValueKind.Null
                && view.GetProperty("currentRun").GetProperty("progress").GetProperty("done").GetInt64() >= 200,
            view => $"the run did not reach 200 profiles: {view}",
            RunTimeout);
        await cluster.Silo!.KillAsync();
        var committedBeforeKill = await Postgres.CountAsync($"SELECT count(*) FROM {interrupted}.profiles");
        cluster.StartSilo();
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(120));

        var resumed = await client.WaitForRunAsync("killed", RunTimeout);

        Assert.True(committedBeforeKill < Profiles, $"The run finished before the kill: {midway}");
        Assert.Equal(started.GetProperty("id").GetString(), resumed.GetProperty("id").GetString());
        Assert.Equal("succeeded", resumed.GetProperty("status").GetString());
        Assert.True(resumed.GetProperty("resumes").GetInt32() >= 1, $"The run was not resumed: {resumed}");
        Assert.Equal(Profiles, resumed.GetProperty("tables").GetProperty("profiles").GetProperty("added").GetInt64());
        var progress = resumed.GetProperty("progress");
        Assert.Equal("incremental", progress.GetProperty("phase").GetString());
        Assert.Equal(progress.GetProperty("total").GetInt64(), progress.GetProperty("done").GetInt64());
        Assert.Equal(Profiles, await Postgres.CountAsync($"SELECT count(*) FROM {interrupted}.profiles"));

        await client.CreateSyncAsync("whole", connectionString, uninterrupted, chunkSize: 500);
        var whole = await client.RunAsync("whole", RunTimeout);
        Assert.Equal("succeeded", whole.GetProperty("status").GetString());
        Assert.Equal(0, whole.GetProperty("resumes").GetInt32());

        foreach (var (table, columns) in TableColumns)
        {
            var rows = await Postgres.CountAsync($"SELECT count(*) FROM {uninterrupted}.{table}");
            Assert.True(rows > 0, $"{uninterrupted}.{table} is empty");
            Assert.Equal(rows, await Postgres.CountAsync($"SELECT count(*) FROM {interrupted}.{table}"));
            Assert.Equal(0, await Postgres.CountAsync(
                $"SELECT count(*) FROM (SELECT {columns} FROM {interrupted}.{table} EXCEPT SELECT {columns} FROM {uninterrupted}.{table}) d"));
            Assert.Equal(0, await Postgres.CountAsync(
                $"SELECT count(*) FROM (SELECT {columns} FROM {uninterrupted}.{table} EXCEPT SELECT {columns} FROM {interrupted}.{table}) d"));
        }
    }

    /// <summary>
    /// Returns an Order track whose properties change type between profiles, so that column types depend on the order in
    /// which events are exported. Every tenth carries two properties that map to one column, which always makes a discard.
    /// </summary>
    private static string Order(int i)
    {
        object total = (i % 4) switch
        {
            0 => "N/A",
            1 => i,
            2 => i + 0.5,
            _ => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        var properties = new Dictionary<string, object>
        {
            ["total"] = total,
            ["paid"] = i % 7 == 0 ? "maybe" : i % 2 == 0,
            ["items"] = new[] { $"sku-{i}" },
            ["orderId"] = $"o-{i}",
        };
        if (i % 10 == 0)
        {
            properties["order_id"] = $"dup-{i}";
        }

        return System.Text.Json.JsonSerializer.Serialize(new
        {
            type = "track",
            userId = $"k-{i}",
            @event = "Order",
            messageId = $"order-{i}",
            properties,
        });
    }
}
