using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Sync;

/// <summary>The sync routes of the admin API: validation, masking, the audit log, run history and the failure alert.</summary>
public sealed class SyncApiTests : IAsyncLifetime
{
    private SendoraServer _server = null!;

    public async Task InitializeAsync() => _server = await SendoraServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("61 * * * *")]
    [InlineData("* * *")]
    [InlineData("")]
    public async Task Create_InvalidSchedule_NamesField(string schedule)
    {
        var client = await SyncClient.CreateWorkspaceAsync(_server.Http);
        var body = JsonSerializer.Serialize(new { connectionString = "Host=127.0.0.1;Username=sendora", schedule });

        using var response = await client.SendAsAdminAsync(HttpMethod.Post, client.SyncsPath, body);

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var detail = (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString()!;
        Assert.StartsWith("'schedule' must be a cron expression of five fields", detail);
    }

    [Fact]
    public async Task Create_ScheduleWithNoOccurrence_NamesField()
    {
        var client = await SyncClient.CreateWorkspaceAsync(_server.Http);
        var body = """{"connectionString":"Host=127.0.0.1;Username=sendora","schedule":"0 0 30 2 *"}""";

        using var response = await client.SendAsAdminAsync(HttpMethod.Post, client.SyncsPath, body);

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var detail = (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString()!;
        Assert.StartsWith("'schedule' must be a cron expression that matches at least one time", detail);
        Assert.Contains("'0 0 30 2 *' matches none", detail);
    }

    [Theory]
    [InlineData("""{"connectionString":"Username=x","schedule":"0 * * * *"}""", "'connectionString'")]
    [InlineData("""{"connectionString":"Host=127.0.0.1;Colour=blue","schedule":"0 * * * *"}""", "'connectionString'")]
    [InlineData("""{"schedule":"0 * * * *"}""", "'connectionString'")]
    [InlineData("""{"connectionString":"Host=127.0.0.1","schedule":"0 * * * *","schema":"Bad-Name"}""", "'schema'")]
    [InlineData("""{"connectionString":"Host=127.0.0.1","schedule":"0 * * * *","schema":"pg_catalog"}""", "'schema' must be")]
    [InlineData("""{"connectionString":"Host=127.0.0.1","schedule":"0 * * * *","schema":"information_schema"}""", "'schema' must be")]
    [InlineData("""{"connectionString":"Host=127.0.0.1","schedule":"0 * * * *","chunkSize":0}""", "'chunkSize' must be a whole number from 1 to 10000")]
    [InlineData("""{"connectionString":"Host=127.0.0.1","schedule":"0 * * * *","chunkSize":10001}""", "'chunkSize'")]
    [InlineData("""{"id":"Bad Id","connectionString":"Host=127.0.0.1","schedule":"0 * * * *"}""", "'id'")]
    [InlineData("""{"name":"NAME","connectionString":"Host=127.0.0.1","schedule":"0 * * * *"}""", "'name' must be a non-empty string of at most 200 characters")]
    public async Task Create_InvalidField_NamesField(string body, string field)
    {
        var client = await SyncClient.CreateWorkspaceAsync(_server.Http);
        body = body.Replace("NAME", string.Concat(Enumerable.Repeat("😀", 201)), StringComparison.Ordinal);

        using var response = await client.SendAsAdminAsync(HttpMethod.Post, client.SyncsPath, body);

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains(field, (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Create_NameOf200Emoji_IsAccepted()
    {
        var client = await SyncClient.CreateWorkspaceAsync(_server.Http);
        var name = string.Concat(Enumerable.Repeat("😀", 200));
        var body = JsonSerializer.Serialize(new
        {
            name,
            connectionString = "Host=127.0.0.1;Username=sendora",
            schedule = "0 3 * * *",
            enabled = false,
        });

        using var response = await client.SendAsAdminAsync(HttpMethod.Post, client.SyncsPath, body);

        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        Assert.Equal(name, (await JsonAssert.ReadAsync(response)).GetProperty("name").GetString());
    }

    [Fact]
    public async Task Update_InvalidSchedule_KeepsOldSchedule()
    {
        var client = await SyncClient.CreateWorkspaceAsync(_server.Http);
        await client.CreateSyncAsync("s", "Host=127.0.0.1;Username=sendora", "sendora", 100);

        using var response = await client.SendAsAdminAsync(HttpMethod.Patch, $"{client.SyncsPath}/s", """{"schedule":"0 0 31 2 * *"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        Assert.Contains("'schedule'", (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString());
        Assert.Equal("0 3 * * *", (await client.GetAsync($"{client.SyncsPath}/s")).GetProperty("schedule").GetString());
    }

    [Fact]
    public async Task Create_WithPassword_MasksItEverywhere()
    {
        var client = await SyncClient.CreateWorkspaceAsync(_server.Http);
        var body = JsonSerializer.Serialize(new
        {
            id = "masked",
            connectionString = "Host=127.0.0.1;Port=5432;Username=app;Password=s3cret-pass;Database=crm",
            schedule = "*/30 * * * *",
        });

        using var created = await client.SendAsAdminAsync(HttpMethod.Post, client.SyncsPath, body);
        await JsonAssert.StatusAsync(HttpStatusCode.Created, created);
        var createdText = await created.Content.ReadAsStringAsync();
        var view = await client.GetAsync($"{client.SyncsPath}/masked");
        var list = await client.GetAsync(client.SyncsPath);
        var audit = await client.GetAsync($"/admin/v1/workspaces/{client.WorkspaceId}/audit?action=sync.create");

        Assert.DoesNotContain("s3cret-pass", createdText);
        Assert.DoesNotContain("s3cret-pass", view.ToString());
        Assert.DoesNotContain("s3cret-pass", list.ToString());
        Assert.DoesNotContain("s3cret-pass", audit.ToString());
        Assert.Contains("Password=********", view.GetProperty("connectionString").GetString());
        Assert.Contains("Host=127.0.0.1", view.GetProperty("connectionString").GetString());
        Assert.Equal("masked", Assert.Single(list.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        var entry = Assert.Single(audit.GetProperty("data").EnumerateArray());
        Assert.Equal($"workspaces/{client.WorkspaceId}/syncs/masked", entry.GetProperty("target").GetString());
        Assert.NotNull(view.GetProperty("nextRunAt").GetString());
    }

    [Fact]
    public async Task Update_ThenDelete_AreAudited()
    {
        var client = await SyncClient.CreateWorkspaceAsync(_server.Http);
        await client.CreateSyncAsync("s", "Host=127.0.0.1;Username=sendora", "sendora", 100);

        using (var update = await client.SendAsAdminAsync(HttpMethod.Patch, $"{client.SyncsPath}/s", """{"enabled":false,"chunkSize":50}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, update);
            var view = await JsonAssert.ReadAsync(update);
            Assert.False(view.GetProperty("enabled").GetBoolean());
            Assert.Equal(50, view.GetProperty("chunkSize").GetInt32());
            Assert.Equal(JsonValueKind.Null, view.GetProperty("nextRunAt").ValueKind);
        }

        using (var delete = await client.SendAsAdminAsync(HttpMethod.Delete, $"{client.SyncsPath}/s"))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.NoContent, delete);
        }

        using var missing = await client.SendAsAdminAsync(HttpMethod.Get, $"{client.SyncsPath}/s");
        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, missing);
        var actions = (await client.GetAsync($"/admin/v1/workspaces/{client.WorkspaceId}/audit")).GetProperty("data")
            .EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Equal(["sync.delete", "sync.update", "sync.create"], actions.Where(a => a!.StartsWith("sync.")));
        Assert.Empty((await client.GetAsync(client.SyncsPath)).GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task UnreachableTarget_RecordsFailuresAndOpensAlert()
    {
        var client = await SyncClient.CreateWorkspaceAsync(_server.Http);
        var closedPort = Ports.GetFree();
        await client.CreateSyncAsync("down", $"Host=127.0.0.1;Port={closedPort};Username=sendora;Timeout=5", "sendora", 100);

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var started = await client.StartRunAsync("down");
            Assert.Equal("failed", started.GetProperty("status").GetString());
            var run = await client.WaitForRunAsync("down", TimeSpan.FromSeconds(60));
            Assert.Equal(started.GetProperty("id").GetString(), run.GetProperty("id").GetString());
            Assert.Equal("failed", run.GetProperty("status").GetString());
            Assert.Contains($"127.0.0.1:{closedPort}", run.GetProperty("error").GetString());
            Assert.NotNull(run.GetProperty("finishedAt").GetString());

            var alerts = (await client.GetAsync($"/admin/v1/workspaces/{client.WorkspaceId}/alerts")).GetProperty("data");
            var syncAlerts = alerts.EnumerateArray().Where(a => a.GetProperty("kind").GetString() == "sync_failure").ToList();
            if (attempt < 3)
            {
                Assert.Empty(syncAlerts);
                continue;
            }

            var alert = Assert.Single(syncAlerts);
            Assert.Equal("down", alert.GetProperty("subject").GetString());
            Assert.Equal(3, alert.GetProperty("observed").GetDouble());
            Assert.Contains($"127.0.0.1:{closedPort}", alert.GetProperty("message").GetString());
        }

        var runs = (await client.GetAsync($"{client.SyncsPath}/down/runs")).GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(3, runs.Count);
        Assert.All(runs, r => Assert.Equal("failed", r.GetProperty("status").GetString()));
        Assert.All(runs, r => Assert.Equal(0, r.GetProperty("rowsAdded").GetInt64()));
        Assert.Equal(3, (await client.GetAsync($"{client.SyncsPath}/down")).GetProperty("consecutiveFailures").GetInt32());
    }

    [Fact]
    public async Task SlowTarget_AcceptedBeforeKindKnown()
    {
        var client = await SyncClient.CreateWorkspaceAsync(_server.Http);

        // The listener never accepts, so the kernel completes each connection and nothing ever replies to Npgsql.
        var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        try
        {
            var port = ((IPEndPoint)silent.LocalEndpoint).Port;
            await client.CreateSyncAsync("slow", $"Host=127.0.0.1;Port={port};Username=sendora;Timeout=20", "sendora", 100);

            var clock = Stopwatch.StartNew();
            var started = await client.StartRunAsync("slow");
            var waited = clock.Elapsed;

            Assert.InRange(waited, TimeSpan.FromSeconds(9), TimeSpan.FromSeconds(15));
            Assert.Equal("running", started.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, started.GetProperty("kind").ValueKind);
            var run = await client.WaitForRunAsync("slow", TimeSpan.FromSeconds(90));
            Assert.Equal(started.GetProperty("id").GetString(), run.GetProperty("id").GetString());
            Assert.Equal("failed", run.GetProperty("status").GetString());
            Assert.Equal(JsonValueKind.Null, run.GetProperty("kind").ValueKind);
            Assert.NotNull(run.GetProperty("error").GetString());
        }
        finally
        {
            silent.Stop();
        }
    }

    [Fact]
    public async Task Routes_UnknownSync_Return404()
    {
        var client = await SyncClient.CreateWorkspaceAsync(_server.Http);

        using var run = await client.SendAsAdminAsync(HttpMethod.Post, $"{client.SyncsPath}/nope/run");
        using var runs = await client.SendAsAdminAsync(HttpMethod.Get, $"{client.SyncsPath}/nope/runs");
        using var workspace = await client.SendAsAdminAsync(HttpMethod.Get, "/admin/v1/workspaces/no-such-workspace/syncs");

        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, run);
        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, runs);
        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, workspace);
    }
}
