using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sendora.Tests.Infrastructure;
using Sendora.Tests.Tracking;

namespace Sendora.Tests.Admin;

/// <summary>
/// A server of its own for audit log tests: its clock is settable, so tests can move time forward for filters and
/// retention, and it has two named admin tokens, <c>alice</c> and <c>bob</c>, besides the default one.
/// </summary>
public sealed class AuditFixture : IAsyncLifetime
{
    public const string AliceToken = "alice-token-0123456789abcdef";
    public const string BobToken = "bob-token-0123456789abcdef";

    private SendoraServer? _server;

    public SettableClock Clock { get; } = new(DateTimeOffset.Parse("2026-03-02T09:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    public SendoraServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public IGrainFactory Grains => Server.Services.GetRequiredService<IGrainFactory>();

    public async Task InitializeAsync() =>
        _server = await SendoraServer.StartAsync(new Dictionary<string, string?>
        {
            ["Sendora:Gateway:AdminTokens:alice"] = AliceToken,
            ["Sendora:Gateway:AdminTokens:bob"] = BobToken,
        }, services: s => s.AddSingleton<TimeProvider>(Clock));

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>Creates a workspace with the default admin token and returns its id.</summary>
    public async Task<string> CreateWorkspaceAsync()
    {
        var id = "audit-" + Guid.NewGuid().ToString("N")[..12];
        using var response = await SendAsync(HttpMethod.Post, "/admin/v1/workspaces", $$"""{"id":"{{id}}","name":"{{id}}"}""");
        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        return id;
    }

    /// <summary>Sends an admin request with <paramref name="token"/>, the default admin token when null.</summary>
    public Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? json = null, string? token = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token ?? SendoraServer.AdminToken);
        return Server.Http.SendAsync(request);
    }

    /// <summary>Sends an admin request and asserts its status.</summary>
    public async Task SendOkAsync(HttpStatusCode expected, HttpMethod method, string path, string? json = null, string? token = null)
    {
        using var response = await SendAsync(method, path, json, token);
        await JsonAssert.StatusAsync(expected, response);
    }

    /// <summary>Reads one page of a workspace's audit log; <paramref name="query"/> starts with '?' or is empty.</summary>
    public async Task<JsonElement> ReadAuditAsync(string workspaceId, string query = "")
    {
        using var response = await SendAsync(HttpMethod.Get, $"/admin/v1/workspaces/{workspaceId}/audit{query}");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }

    /// <summary>Reads the entries of one page of a workspace's audit log.</summary>
    public async Task<List<JsonElement>> ReadEntriesAsync(string workspaceId, string query = "") =>
        [.. (await ReadAuditAsync(workspaceId, query)).GetProperty("data").EnumerateArray()];
}
