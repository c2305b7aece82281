using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Sync;

/// <summary>
/// The tracking and admin calls that sync tests make against one workspace, over any HTTP client of a gateway: an
/// in-process server or a separate gateway process.
/// </summary>
public sealed class SyncClient(HttpClient http, string workspaceId, string writeKey)
{
    public string WorkspaceId { get; } = workspaceId;

    public string SyncsPath => $"/admin/v1/workspaces/{WorkspaceId}/syncs";

    /// <summary>Creates a workspace with a unique id and returns a client for it.</summary>
    public static async Task<SyncClient> CreateWorkspaceAsync(HttpClient http)
    {
        var id = "sync-" + Guid.NewGuid().ToString("N")[..12];
        using var response = await SendAsync(http, HttpMethod.Post, "/admin/v1/workspaces", $$"""{"id":"{{id}}","name":"{{id}}"}""");
        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        var body = await JsonAssert.ReadAsync(response);
        return new SyncClient(http, id, body.GetProperty("sources")[0].GetProperty("writeKey").GetString()!);
    }

    /// <summary>Sends <paramref name="messages"/> through /v1/batch, 100 to a request and 4 requests at a time.</summary>
    public async Task SendBatchAsync(IReadOnlyList<string> messages)
    {
        var batches = messages.Chunk(100).ToList();
        using var gate = new SemaphoreSlim(4);
        await Task.WhenAll(batches.Select(async batch =>
        {
            await gate.WaitAsync();
            try
            {
                var body = await AcceptedPost.SendAsync(
                    http, "/v1/batch", $$"""{"batch":[{{string.Join(",", batch)}}]}""", SendoraServer.Basic(writeKey));
                Assert.False(body.TryGetProperty("rejected", out var rejected), $"The batch rejected messages: {rejected}");
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    public Task<HttpResponseMessage> SendAsAdminAsync(HttpMethod method, string path, string? json = null) =>
        SendAsync(http, method, path, json);

    public async Task<JsonElement> GetAsync(string path)
    {
        using var response = await SendAsync(http, HttpMethod.Get, path);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }

    /// <summary>Creates a sync and returns its view.</summary>
    public async Task<JsonElement> CreateSyncAsync(string id, string connectionString, string schema, int chunkSize)
    {
        var body = JsonSerializer.Serialize(new { id, connectionString, schema, chunkSize, schedule = "0 3 * * *" });
        using var response = await SendAsAdminAsync(HttpMethod.Post, SyncsPath, body);
        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        return await JsonAssert.ReadAsync(response);
    }

    /// <summary>Starts a run (or a reset) and returns the run.</summary>
    public async Task<JsonElement> StartRunAsync(string syncId, bool reset = false)
    {
        using var response = await SendAsAdminAsync(HttpMethod.Post, $"{SyncsPath}/{syncId}/{(reset ? "reset" : "run")}");
        await JsonAssert.StatusAsync(HttpStatusCode.Accepted, response);
        return await JsonAssert.ReadAsync(response);
    }

    /// <summary>Waits until the sync has no run in progress and returns its newest run.</summary>
    public async Task<JsonElement> WaitForRunAsync(string syncId, TimeSpan timeout)
    {
        var sync = await Poll.UntilAsync(
            () => GetAsync($"{SyncsPath}/{syncId}"),
            view => view.GetProperty("status").GetString() == "idle",
            view => $"sync still running: {view}",
            timeout);
        return sync.GetProperty("lastRun");
    }

    /// <summary>Starts a run and waits for it to finish.</summary>
    public async Task<JsonElement> RunAsync(string syncId, TimeSpan timeout, bool reset = false)
    {
        var started = await StartRunAsync(syncId, reset);
        var run = await WaitForRunAsync(syncId, timeout);
        Assert.Equal(started.GetProperty("id").GetString(), run.GetProperty("id").GetString());
        return run;
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, HttpMethod method, string path, string? json = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SendoraServer.AdminToken);
        return http.SendAsync(request);
    }
}
