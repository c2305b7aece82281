using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Sync;

/// <summary>
/// Exports of values that break warehouse loads elsewhere: NUL characters, which PostgreSQL cannot store in text or
/// jsonb, and a property whose type changes from one event to the next.
/// </summary>
public sealed class SyncTextAndTypeTests
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task Export_TraitsWithNul_LoadsEveryRowCleaned()
    {
        await using var server = await SendoraServer.StartAsync();
        var client = await SyncClient.CreateWorkspaceAsync(server.Http);
        var messages = Enumerable.Range(1, 50)
            .Select(i => SyncExportTests.Identify($"clean-{i}", null, $"clean-{i}", "free", i))
            .Append("""
                {"type":"identify","messageId":"m1","userId":"user-001",
                 "traits":{"nickname":"ab\u0000cd","company":{"name":"Acme\u0000"},"k\u0000ey":"v"}}
                """.ReplaceLineEndings(" "))
            .Append("""{"type":"track","messageId":"m2","userId":"user-001","event":"Nul\u0000Event","properties":{"note":"x\u0000y"}}""")
            .ToList();
        await client.SendBatchAsync(messages);
        var schema = Postgres.NewSchema("nul");
        await client.CreateSyncAsync("nul", await Postgres.GetConnectionStringAsync(), schema, chunkSize: 20);

        var run = await client.RunAsync("nul", RunTimeout);

        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.Equal(51, await Postgres.CountAsync($"SELECT count(*) FROM {schema}.profiles"));
        var row = (await Postgres.QueryAsync(
            $"SELECT traits->>'nickname', traits->'company'->>'name', traits->>'key' FROM {schema}.profiles WHERE user_id = 'user-001'")).Single();
        Assert.Equal("abcd", row[0]);
        Assert.Equal("Acme", row[1]);
        Assert.Equal("v", row[2]);
        var track = (await Postgres.QueryAsync($"SELECT event, properties->>'note' FROM {schema}.events WHERE message_id = 'm2'")).Single();
        Assert.Equal("NulEvent", track[0]);
        Assert.Equal("xy", track[1]);
    }

    [Fact]
    public async Task Export_PropertyChangesType_KeepsEachValueAsSent()
    {
        await using var server = await SendoraServer.StartAsync();
        var client = await SyncClient.CreateWorkspaceAsync(server.Http);
        string[] totals = ["10", "10.5", "\"12\"", "\"N/A\""];
        var messages = totals.Select((total, i) =>
            $$$"""{"type":"track","messageId":"m{{{i + 1}}}","userId":"user-001","event":"Order","properties":{"total":{{{total}}}}}""").ToList();
        foreach (var message in messages)
        {
            await client.SendBatchAsync([message]);
        }

        var schema = Postgres.NewSchema("types");
        await client.CreateSyncAsync("types", await Postgres.GetConnectionStringAsync(), schema, chunkSize: 2);

        var run = await client.RunAsync("types", RunTimeout);

        // Properties are one jsonb column, so no column type is fixed by the first value: each event keeps its own.
        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        var rows = await Postgres.QueryAsync(
            $"SELECT message_id, jsonb_typeof(properties->'total'), properties->>'total' FROM {schema}.events ORDER BY message_id");
        Assert.Equal(["m1", "m2", "m3", "m4"], rows.Select(r => (string)r[0]!));
        Assert.Equal(["number", "number", "string", "string"], rows.Select(r => (string)r[1]!));
        Assert.Equal(["10", "10.5", "12", "N/A"], rows.Select(r => (string)r[2]!));
    }
}
