using System.Text.Json;
using Sendora.Tests.Conformance;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Sync;

/// <summary>
/// Event tables of a sync against a real PostgreSQL: one typed table per track event name, whose column types follow
/// the first value, widen from bigint to numeric, coerce what they can and send the rest to <c>discards</c>.
/// </summary>
public sealed class SyncEventTablesTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Four Order events whose <c>total</c> is an integer, a fraction, a numeric string and a word.</summary>
    private static readonly string[] OrderTotals = ["10", "10.5", "\"12\"", "\"N/A\""];

    [Fact]
    public async Task Export_CorpusOrderTotals_WidensCoercesAndDiscards()
    {
        if (BugCases.ReadMessages("C32") is not { } messages)
        {
            return;
        }

        Assert.Equal(4, messages.Count);
        await using var server = await SendoraServer.StartAsync();
        var (client, schema) = await ExportAsync(server, messages);

        await AssertOrderTotalsAsync(client, schema);
    }

    [Fact]
    public async Task Export_OrderTotals_WidensCoercesAndDiscards()
    {
        await using var server = await SendoraServer.StartAsync();
        var (client, schema) = await ExportAsync(server, OrderMessages());

        await AssertOrderTotalsAsync(client, schema);
    }

    [Fact]
    public async Task Reset_ReExport_AddsNoRows()
    {
        await using var server = await SendoraServer.StartAsync();
        var (client, schema) = await ExportAsync(server, OrderMessages());

        var reset = await client.RunAsync("types", RunTimeout, reset: true);

        Assert.Equal("succeeded", reset.GetProperty("status").GetString());
        Assert.Equal("backfill", reset.GetProperty("kind").GetString());
        Assert.Equal(0, reset.GetProperty("rowsAdded").GetInt64());
        Assert.Equal(0, reset.GetProperty("rowsUpdated").GetInt64());
        Assert.Equal(4, await Postgres.CountAsync($"SELECT count(*) FROM {schema}.track_order"));
        Assert.Equal(1, await Postgres.CountAsync($"SELECT count(*) FROM {schema}.discards"));
        await AssertOrderTotalsAsync(client, schema);
    }

    [Fact]
    public async Task IncrementalRun_FractionArrives_WidensExistingColumn()
    {
        await using var server = await SendoraServer.StartAsync();
        var (client, schema) = await ExportAsync(server, [OrderMessage("m1", "10")]);
        Assert.Equal("bigint", await ColumnTypeAsync(schema, "track_order", "total"));

        await client.SendBatchAsync([OrderMessage("m2", "10.5"), OrderMessage("m3", "true")]);
        var second = await client.RunAsync("types", RunTimeout);

        Assert.Equal("succeeded", second.GetProperty("status").GetString());
        Assert.Equal(2, second.GetProperty("tables").GetProperty("eventTables").GetProperty("added").GetInt64());
        Assert.Equal(1, second.GetProperty("tables").GetProperty("discards").GetProperty("added").GetInt64());
        Assert.Equal("numeric", await ColumnTypeAsync(schema, "track_order", "total"));
        Assert.Equal("numeric", (await Postgres.QueryAsync(
            $"SELECT data_type FROM {schema}.event_columns WHERE table_name = 'track_order' AND column_name = 'total'")).Single()[0]);
        var totals = await Postgres.QueryAsync($"SELECT message_id, total::text FROM {schema}.track_order ORDER BY message_id");
        Assert.Equal(["m1", "m2", "m3"], totals.Select(r => (string)r[0]!));
        Assert.Equal(["10", "10.5", null], totals.Select(r => (string?)r[1]));
        var discard = (await Postgres.QueryAsync($"SELECT message_id, value, reason FROM {schema}.discards")).Single();
        Assert.Equal(["m3", "true", "type_mismatch"], discard.Cast<string>());
    }

    [Fact]
    public async Task Export_WideLongEvent_BoundsNames()
    {
        var eventName = "Checkout Step Completed By A Returning Customer On The Mobile Web Shop";
        var properties = string.Join(",", Enumerable.Range(1, 501).Select(i => $"\"p{i}\":{i}"));
        var wide = $$$"""{"type":"track","messageId":"w1","userId":"user-001","event":"{{{eventName}}}","properties":{{{{properties}}}}}""";
        var nested = """
            {"type":"track","messageId":"n1","userId":"user-002","event":"Cart Viewed",
             "properties":{"cart":{"itemCount":2,"isGuest":"false"},"skus":["a","b"],"timestamp":"soon",
              "huge":9e999,"tiny":-1e-1000,"beyond":1e1000}}
            """.ReplaceLineEndings(" ");

        await using var server = await SendoraServer.StartAsync();
        var (_, schema) = await ExportAsync(server, [wide, nested]);

        var table = (await Postgres.QueryAsync(
            $"SELECT table_name, event_name FROM {schema}.event_tables WHERE table_name LIKE 'track_checkout%'")).Single();
        var tableName = (string)table[0]!;
        Assert.Equal(63, tableName.Length);
        Assert.Matches("^track_checkout_step_completed_by_a_returning_customer__[0-9a-f]{8}$", tableName);
        Assert.Equal(eventName, table[1]);
        Assert.Equal(500, await Postgres.CountAsync(
            $"SELECT count(*) FROM information_schema.columns WHERE table_schema = '{schema}' AND table_name = '{tableName}' AND column_name ~ '^p[0-9]+$'"));
        Assert.Equal(500, await Postgres.CountAsync($"SELECT p500 FROM {schema}.\"{tableName}\" WHERE message_id = 'w1'"));
        var limited = (await Postgres.QueryAsync($"SELECT column_name, value, reason FROM {schema}.discards WHERE message_id = 'w1'")).Single();
        Assert.Equal(["p501", "501", "column_limit"], limited.Cast<string>());

        var cart = (await Postgres.QueryAsync(
            $"SELECT cart_item_count, cart_is_guest, skus::text, property_timestamp FROM {schema}.track_cart_viewed")).Single();
        Assert.Equal(2L, cart[0]);
        Assert.Equal("false", cart[1]);
        Assert.Equal("""["a", "b"]""", cart[2]);
        Assert.Equal("soon", cart[3]);
        Assert.Equal("jsonb", await ColumnTypeAsync(schema, "track_cart_viewed", "skus"));
        Assert.Equal(1, await Postgres.CountAsync(
            $"SELECT count(*) FROM {schema}.track_cart_viewed WHERE huge = 9e999 AND tiny = -1e-1000"));
        var outOfRange = (await Postgres.QueryAsync($"SELECT column_name, value, reason FROM {schema}.discards WHERE message_id = 'n1'")).Single();
        Assert.Equal(["beyond", "1e1000", "number_out_of_range"], outOfRange.Cast<string>());
    }

    [Fact]
    public async Task Export_TableLimitReached_KeepsEventsInEvents()
    {
        var settings = new Dictionary<string, string?> { ["Sendora:Sync:MaxEventTables"] = "2" };
        var messages = new[] { "Signed Up", "Order", "Coupon 123" }.Select((name, i) =>
            $$$"""{"type":"track","messageId":"t{{{i + 1}}}","userId":"user-001","event":"{{{name}}}","properties":{"n":{{{i + 1}}}}}""");

        await using var server = await SendoraServer.StartAsync(settings);
        var (_, schema) = await ExportAsync(server, [.. messages]);

        Assert.Equal(["track_order", "track_signed_up"], (await Postgres.QueryAsync(
            $"SELECT table_name FROM {schema}.event_tables ORDER BY table_name")).Select(r => (string)r[0]!));
        Assert.Equal(0, await Postgres.CountAsync(
            $"SELECT count(*) FROM information_schema.tables WHERE table_schema = '{schema}' AND table_name = 'track_coupon_123'"));
        var discard = (await Postgres.QueryAsync($"SELECT message_id, table_name, column_name, value, reason FROM {schema}.discards")).Single();
        Assert.Equal(["t3", "track_coupon_123", "", """{"n":3}""", "table_limit"], discard.Cast<string>());
        Assert.Equal(3, await Postgres.CountAsync($"SELECT count(*) FROM {schema}.events"));
    }

    /// <summary>Sends each message in its own batch, in order, then creates a sync named "types" and runs it.</summary>
    private static async Task<(SyncClient Client, string Schema)> ExportAsync(SendoraServer server, IReadOnlyList<string> messages)
    {
        var client = await SyncClient.CreateWorkspaceAsync(server.Http);
        foreach (var message in messages)
        {
            await client.SendBatchAsync([message]);
        }

        var schema = Postgres.NewSchema("typed");
        await client.CreateSyncAsync("types", await Postgres.GetConnectionStringAsync(), schema, chunkSize: 2);
        var run = await client.RunAsync("types", RunTimeout);
        Assert.True(run.GetProperty("status").GetString() == "succeeded", $"The run failed: {run}");
        return (client, schema);
    }

    private static async Task AssertOrderTotalsAsync(SyncClient client, string schema)
    {
        Assert.Equal("numeric", await ColumnTypeAsync(schema, "track_order", "total"));
        var rows = await Postgres.QueryAsync(
            $"SELECT o.message_id, o.total, o.profile_id = e.profile_id, o.timestamp = e.timestamp FROM {schema}.track_order o "
            + $"JOIN {schema}.events e USING (message_id) ORDER BY o.message_id");
        Assert.Equal(["m1", "m2", "m3", "m4"], rows.Select(r => (string)r[0]!));
        Assert.Equal([10m, 10.5m, 12m, null], rows.Select(r => (decimal?)r[1]));
        Assert.All(rows, r => Assert.Equal(true, r[2]));
        Assert.All(rows, r => Assert.Equal(true, r[3]));

        var discard = (await Postgres.QueryAsync(
            $"SELECT message_id, table_name, column_name, value, reason, discarded_at IS NOT NULL FROM {schema}.discards")).Single();
        Assert.Equal(["m4", "track_order", "total", "N/A", "type_mismatch"], discard.Take(5).Cast<string>());
        Assert.Equal(true, discard[5]);

        // The events table keeps every message's properties as sent.
        Assert.Equal(["10", "10.5", "12", "N/A"], (await Postgres.QueryAsync(
            $"SELECT properties->>'total' FROM {schema}.events ORDER BY message_id")).Select(r => (string)r[0]!));
        var events = await client.GetAsync(
            $"/v1/spaces/{client.WorkspaceId}/collections/users/profiles/user_id:user-001/events?limit=10");
        Assert.Equal(4, events.GetProperty("data").GetArrayLength());
    }

    private static async Task<string> ColumnTypeAsync(string schema, string table, string column) =>
        (string)(await Postgres.QueryAsync(
            $"SELECT data_type FROM information_schema.columns WHERE table_schema = '{schema}' AND table_name = '{table}' "
            + $"AND column_name = '{column}'")).Single()[0]!;

    private static List<string> OrderMessages() =>
        [.. OrderTotals.Select((total, i) => OrderMessage($"m{i + 1}", total))];

    private static string OrderMessage(string messageId, string total) =>
        $$$"""{"type":"track","messageId":"{{{messageId}}}","userId":"user-001","event":"Order","properties":{"total":{{{total}}}}}""";
}
