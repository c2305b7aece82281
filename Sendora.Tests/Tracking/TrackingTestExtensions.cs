using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Tracking;

/// <summary>
/// Requests that the tracking and conformance tests share: raw posts with any headers, and reads of
/// profiles, sources and rejections through the profile and admin APIs.
/// </summary>
internal static class TrackingTestExtensions
{
    /// <summary>Returns an id that no other test uses, so tests can share one server.</summary>
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    /// <summary>Builds a POST without credentials; a null <paramref name="contentType"/> sends no Content-Type.</summary>
    public static HttpRequestMessage Post(string path, byte[] body, string? contentType = "application/json")
    {
        var content = new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
    }

    public static HttpRequestMessage Post(string path, string json, string? contentType = "application/json") =>
        Post(path, Encoding.UTF8.GetBytes(json), contentType);

    /// <summary>Adds <paramref name="writeKey"/> as the Basic auth user name with an empty password.</summary>
    public static HttpRequestMessage WithWriteKey(this HttpRequestMessage request, string writeKey)
    {
        request.Headers.Authorization = SendoraServer.Basic(writeKey);
        return request;
    }

    public static HttpRequestMessage WithHeader(this HttpRequestMessage request, string name, string value)
    {
        if (!request.Headers.TryAddWithoutValidation(name, value))
        {
            request.Content!.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    public static Task<HttpResponseMessage> SendAsync(this SendoraServer server, HttpRequestMessage request) =>
        server.Http.SendAsync(request);

    /// <summary>Returns the profile API path of a profile in <paramref name="workspaceId"/>.</summary>
    public static string ProfilePath(string workspaceId, string externalId, string resource, string query = "") =>
        $"/v1/spaces/{workspaceId}/collections/users/profiles/{Uri.EscapeDataString(externalId)}/{resource}{query}";

    /// <summary>Returns the status of a profile's traits lookup: 200 when the profile exists, 404 when not.</summary>
    public static async Task<HttpStatusCode> GetProfileStatusAsync(
        this SendoraServer server, string externalId, string workspaceId = "default")
    {
        using var response = await server.GetAsAdminAsync(ProfilePath(workspaceId, externalId, "traits"));
        return response.StatusCode;
    }

    /// <summary>Returns up to 100 of a profile's events, newest first, or none when the profile does not exist.</summary>
    public static async Task<JsonElement[]> GetEventsAsync(
        this SendoraServer server, string externalId, string workspaceId = "default")
    {
        using var response = await server.GetAsAdminAsync(ProfilePath(workspaceId, externalId, "events", "?limit=100"));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return [];
        }

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var page = await JsonAssert.ReadAsync(response);
        return [.. page.GetProperty("data").EnumerateArray()];
    }

    /// <summary>Returns the one event a profile has, failing when it has none or several.</summary>
    public static async Task<JsonElement> GetSingleEventAsync(
        this SendoraServer server, string externalId, string workspaceId = "default") =>
        Assert.Single(await server.GetEventsAsync(externalId, workspaceId));

    /// <summary>Returns a profile's traits object, failing when the profile does not exist.</summary>
    public static async Task<JsonElement> GetTraitsAsync(
        this SendoraServer server, string externalId, string workspaceId = "default")
    {
        using var response = await server.GetAsAdminAsync(ProfilePath(workspaceId, externalId, "traits", "?limit=100"));
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return (await JsonAssert.ReadAsync(response)).GetProperty("traits");
    }

    /// <summary>Returns the id of the source in <paramref name="workspaceId"/> that owns <paramref name="writeKey"/>.</summary>
    public static async Task<string> GetSourceIdAsync(
        this SendoraServer server, string writeKey, string workspaceId = "default")
    {
        using var response = await server.GetAsAdminAsync($"/admin/v1/workspaces/{workspaceId}/sources");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var sources = (await JsonAssert.ReadAsync(response)).GetProperty("data").EnumerateArray();
        return sources.Single(s => s.GetProperty("writeKey").GetString() == writeKey).GetProperty("id").GetString()!;
    }

    /// <summary>Adds a source to the default workspace, for tests that need their own counters or a second key.</summary>
    public static async Task<(string Id, string WriteKey)> CreateSourceAsync(this SendoraServer server, string name)
    {
        using var response = await server.SendAsAdminAsync(
            HttpMethod.Post, "/admin/v1/workspaces/default/sources", JsonSerializer.Serialize(new { name }));
        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        var source = await JsonAssert.ReadAsync(response);
        return (source.GetProperty("id").GetString()!, source.GetProperty("writeKey").GetString()!);
    }

    /// <summary>Creates a workspace with one source and returns that source's write key.</summary>
    public static async Task<string> CreateWorkspaceAsync(this SendoraServer server, string workspaceId)
    {
        using var response = await server.SendAsAdminAsync(
            HttpMethod.Post, "/admin/v1/workspaces", JsonSerializer.Serialize(new { id = workspaceId, name = workspaceId }));
        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        var workspace = await JsonAssert.ReadAsync(response);
        return workspace.GetProperty("sources")[0].GetProperty("writeKey").GetString()!;
    }

    public static async Task SetSourceEnabledAsync(this SendoraServer server, string sourceId, bool enabled)
    {
        using var response = await server.SendAsAdminAsync(
            HttpMethod.Patch, $"/admin/v1/workspaces/default/sources/{sourceId}", JsonSerializer.Serialize(new { enabled }));
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
    }

    /// <summary>Returns the kept rejections of a source of the default workspace, newest first.</summary>
    public static async Task<JsonElement[]> GetRejectionsAsync(this SendoraServer server, string sourceId)
    {
        using var response = await server.GetAsAdminAsync(
            $"/admin/v1/workspaces/default/sources/{sourceId}/rejections?limit=1000");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return [.. (await JsonAssert.ReadAsync(response)).GetProperty("data").EnumerateArray()];
    }

    /// <summary>
    /// Reads a source's <c>counts</c> until <paramref name="isDone"/> returns true or five seconds pass, because
    /// the gateway hands its counters to storage on a timer. Returns the last counts read.
    /// </summary>
    public static async Task<JsonElement> WaitForCountsAsync(
        this SendoraServer server, string sourceId, Func<JsonElement, bool> isDone)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (true)
        {
            using var response = await server.GetAsAdminAsync($"/admin/v1/workspaces/default/sources/{sourceId}");
            await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
            var counts = (await JsonAssert.ReadAsync(response)).GetProperty("counts");
            if (isDone(counts) || DateTime.UtcNow > deadline)
            {
                return counts;
            }

            await Task.Delay(100);
        }
    }

    public static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }

    public static byte[] Gzip(string text) => Gzip(Encoding.UTF8.GetBytes(text));

    /// <summary>Returns the value of a response header, or null when it is absent.</summary>
    public static string? Header(this HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : null;

    /// <summary>
    /// Asserts that <paramref name="response"/> is an error with <paramref name="status"/> and
    /// <paramref name="code"/> in the <c>{"success": false, "code", "message"}</c> shape, and returns its body.
    /// </summary>
    public static async Task<JsonElement> ReadErrorAsync(
        this HttpResponseMessage response, HttpStatusCode status, string code)
    {
        await JsonAssert.StatusAsync(status, response);
        var body = await JsonAssert.ReadAsync(response);
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.Equal(code, body.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(body.GetProperty("message").GetString()));
        return body;
    }

    /// <summary>Returns the <c>_sendora.warnings</c> of a stored event, or none.</summary>
    public static JsonElement[] Warnings(this JsonElement storedEvent) =>
        storedEvent.TryGetProperty("_sendora", out var sendora) && sendora.TryGetProperty("warnings", out var warnings)
            ? [.. warnings.EnumerateArray()]
            : [];
}
