using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Sync;

/// <summary>A regulation that deletes a person, seen in a PostgreSQL sync's next run.</summary>
[Collection(SendoraCollection.Name)]
public sealed class SyncRegulationTests(SendoraFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task DeletedProfile_RemovedByNextRun()
    {
        var client = await SyncClient.CreateWorkspaceAsync(fixture.Server.Http);
        await client.SendBatchAsync([
            """{"type":"identify","userId":"ada","anonymousId":"ada-phone","traits":{"plan":"pro"},"messageId":"ada-1"}""",
            """{"type":"track","userId":"ada","event":"Ordered","messageId":"ada-2"}""",
            """{"type":"identify","userId":"bob","traits":{"plan":"free"},"messageId":"bob-1"}""",
        ]);
        var schema = Postgres.NewSchema("regulation");
        await client.CreateSyncAsync("warehouse", await Postgres.GetConnectionStringAsync(), schema, chunkSize: 100);
        await client.RunAsync("warehouse", Timeout);
        Assert.Equal(2, await Postgres.CountAsync($"SELECT count(*) FROM {schema}.profiles"));

        using (var response = await client.SendAsAdminAsync(HttpMethod.Post, $"/admin/v1/workspaces/{client.WorkspaceId}/regulations",
            """{"regulationType":"DELETE","subjectType":"USER_ID","subjectIds":["ada"]}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.Accepted, response);
            var id = (await JsonAssert.ReadAsync(response)).GetProperty("id").GetString();
            await Poll.UntilAsync(
                () => client.GetAsync($"/admin/v1/workspaces/{client.WorkspaceId}/regulations/{id}"),
                regulation => regulation.GetProperty("status").GetString() == "FINISHED",
                regulation => $"the regulation did not finish: {regulation}",
                Timeout);
        }

        var run = await client.RunAsync("warehouse", Timeout);

        Assert.Equal("succeeded", run.GetProperty("status").GetString());
        Assert.Equal(1, run.GetProperty("tables").GetProperty("profiles").GetProperty("deleted").GetInt64());
        Assert.Equal(["bob"], (await Postgres.QueryAsync($"SELECT user_id FROM {schema}.profiles")).Select(row => (string)row[0]!));
        Assert.Equal(0, await Postgres.CountAsync($"SELECT count(*) FROM {schema}.external_ids WHERE value LIKE 'ada%'"));
        Assert.Equal(0, await Postgres.CountAsync($"SELECT count(*) FROM {schema}.events WHERE message_id LIKE 'ada-%'"));
    }
}
