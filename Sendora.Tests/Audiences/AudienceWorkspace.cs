using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Audiences;

/// <summary>
/// A workspace of its own on the shared server, so that audience tests see only their own profiles and
/// audiences, with helpers for the tracking, admin and profile APIs.
/// </summary>
public sealed class AudienceWorkspace
{
    private AudienceWorkspace(SendoraServer server, string id, string writeKey)
    {
        Server = server;
        Id = id;
        WriteKey = writeKey;
    }

    /// <summary>
    /// How long a test waits for the backfill of a workspace of a few profiles. A backfill lists the 64 index shards and
    /// writes its cursor after each page, and on a test machine whose Azurite was loaded by other tests, one shard took
    /// half a second.
    /// </summary>
    public static readonly TimeSpan BackfillTimeout = TimeSpan.FromMinutes(2);

    public SendoraServer Server { get; }

    public string Id { get; }

    public string WriteKey { get; }

    /// <summary>Creates a workspace with the id <paramref name="id"/>, or a new unique one when it is null.</summary>
    public static async Task<AudienceWorkspace> CreateAsync(SendoraServer server, string? id = null)
    {
        id ??= "aud-" + Guid.NewGuid().ToString("N")[..12];
        using var response = await server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces", $$"""{"id":"{{id}}","name":"{{id}}"}""");
        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        var body = await JsonAssert.ReadAsync(response);
        var writeKey = body.GetProperty("sources")[0].GetProperty("writeKey").GetString()!;
        return new AudienceWorkspace(server, id, writeKey);
    }

    public string AudiencesPath => $"/admin/v1/workspaces/{Id}/audiences";

    public async Task SendAsync(string path, string json)
    {
        using var response = await Server.PostAsync(path, json, WriteKey);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
    }

    /// <summary>Creates an audience and returns its id.</summary>
    public async Task<string> CreateAudienceAsync(string id, string condition)
    {
        using var response = await Server.SendAsAdminAsync(HttpMethod.Post, AudiencesPath,
            $$"""{"id":"{{id}}","name":"{{id}}","condition":{{condition}}}""");
        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        return id;
    }

    public Task<HttpResponseMessage> PostAudienceAsync(string body) =>
        Server.SendAsAdminAsync(HttpMethod.Post, AudiencesPath, body);

    public Task<SseClient> StreamAsync(string audienceId, long? lastEventId = null) =>
        SseClient.ConnectAsync(Server.Http, $"{AudiencesPath}/{audienceId}/stream", lastEventId);

    public async Task<JsonElement> GetAsync(string path)
    {
        using var response = await Server.GetAsAdminAsync(path);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }

    /// <summary>Returns the audience ids of a profile's memberships.</summary>
    public async Task<List<string>> MembershipsAsync(string externalId)
    {
        var body = await GetAsync($"/v1/spaces/{Id}/collections/users/profiles/{Uri.EscapeDataString(externalId)}/memberships");
        return [.. body.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("audience_id").GetString()!)];
    }

    /// <summary>Waits until the workspace's backfill has finished, or fails after <paramref name="timeout"/>.</summary>
    public async Task<JsonElement> WaitForBackfillAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var progress = await GetAsync($"/admin/v1/workspaces/{Id}/backfill");
            if (!progress.GetProperty("running").GetBoolean())
            {
                return progress;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The backfill did not finish within {timeout.TotalSeconds} s: {progress}");
            }

            await Task.Delay(100);
        }
    }
}
