using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sendora.Gateway.Tracking;
using Sendora.Tests.Channels;
using Sendora.Tests.Infrastructure;
using Sendora.Tests.Tracking;

namespace Sendora.Tests.Health;

/// <summary>
/// A server with a settable clock, health checks every 100 ms and the alert webhook pointed at a loopback receiver.
/// Tests create their own workspaces and move the shared clock only forward.
/// </summary>
public sealed class HealthFixture : IAsyncLifetime
{
    public const string AlertReceiverName = "alerts";

    private SendoraServer? _server;

    public SettableClock Clock { get; } = new(DateTimeOffset.Parse("2026-11-02T00:05:00Z", CultureInfo.InvariantCulture));

    public WebhookReceiver Webhooks { get; private set; } = null!;

    public SendoraServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public IGrainFactory Grains => Server.Services.GetRequiredService<IGrainFactory>();

    public async Task InitializeAsync()
    {
        Webhooks = await WebhookReceiver.StartAsync();
        _server = await SendoraServer.StartAsync(new Dictionary<string, string?>
        {
            ["Sendora:Health:CheckInterval"] = "00:00:00.100",

            // Counts reach the source grains only through FlushCountsAsync, before a test moves the clock.
            ["Sendora:Gateway:CounterFlushInterval"] = "01:00:00",
            ["Sendora:Health:AlertWebhookUrl"] = Webhooks.Url("ok", AlertReceiverName),
            ["Sendora:Health:AlertWebhookSecret"] = WebhookReceiver.Secret,
            ["Sendora:Channels:Webhook:SigningSecret"] = WebhookReceiver.Secret,
            ["Sendora:Channels:Webhook:InitialRetryDelay"] = "00:00:00.100",
            ["Sendora:Channels:Webhook:MaxRetryDelay"] = "00:00:01",
            ["Sendora:Channels:Webhook:Timeout"] = "00:00:03",
        }, services: s => s.AddSingleton<TimeProvider>(Clock));
    }

    /// <summary>Creates a workspace and returns the id and write key of its source.</summary>
    public async Task<(string SourceId, string WriteKey)> CreateWorkspaceAsync(string workspaceId)
    {
        var writeKey = await Server.CreateWorkspaceAsync(workspaceId);
        using var response = await Server.GetAsAdminAsync($"/admin/v1/workspaces/{workspaceId}/sources");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var source = (await JsonAssert.ReadAsync(response)).GetProperty("data")[0];
        return (source.GetProperty("id").GetString()!, writeKey);
    }

    /// <summary>Hands the gateway's pending intake counts to the source grains now instead of at the next flush.</summary>
    public Task FlushCountsAsync() => Server.Services.GetRequiredService<IngestionCounters>().FlushAsync();

    /// <summary>Returns the workspace's alerts as the admin API lists them.</summary>
    public async Task<JsonElement[]> GetAlertsAsync(string workspaceId)
    {
        using var response = await Server.GetAsAdminAsync($"/admin/v1/workspaces/{workspaceId}/alerts");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return [.. (await JsonAssert.ReadAsync(response)).GetProperty("data").EnumerateArray()];
    }

    /// <summary>Polls the alerts of a workspace until one matches, or fails after 15 seconds.</summary>
    public async Task<JsonElement> WaitForAlertAsync(string workspaceId, Func<JsonElement, bool> match)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        JsonElement[] alerts = [];
        while (DateTime.UtcNow < deadline)
        {
            alerts = await GetAlertsAsync(workspaceId);
            if (alerts.Where(match).ToList() is [var found, ..])
            {
                return found;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"No matching alert in workspace '{workspaceId}': {JsonSerializer.Serialize(alerts)}");
    }

    /// <summary>Returns the alert webhook POSTs received for a workspace, as parsed bodies, oldest first.</summary>
    public JsonElement[] AlertPostsOf(string workspaceId) =>
    [
        .. Webhooks.Accepted
            .Where(a => a.Name == AlertReceiverName)
            .Select(a => JsonDocument.Parse(a.Body).RootElement.Clone())
            .Where(body => body.GetProperty("workspaceId").GetString() == workspaceId),
    ];

    /// <summary>Polls until the receiver has a POST of <paramref name="type"/> for a workspace, or fails after 15 seconds.</summary>
    public async Task<JsonElement> WaitForAlertPostAsync(string workspaceId, string type)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            if (AlertPostsOf(workspaceId).FirstOrDefault(p => p.GetProperty("type").GetString() == type) is
                { ValueKind: JsonValueKind.Object } post)
            {
                return post;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The alert webhook received no '{type}' POST for workspace '{workspaceId}'.");
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await Webhooks.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class HealthCollection : ICollectionFixture<HealthFixture>
{
    public const string Name = "health";
}
