using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Destinations;

/// <summary>
/// A server with short batch ages and retry waits, and a receiver for its destinations. Tests create their own
/// destinations and use their own user ids, so they share the server without seeing each other's messages.
/// </summary>
public sealed class DestinationsFixture : IAsyncLifetime
{
    private DestinationReceiver? _receiver;
    private SendoraServer? _server;

    public SendoraServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public DestinationReceiver Receiver => _receiver ?? throw new InvalidOperationException("The receiver has not started.");

    /// <summary>The id of the default workspace's first source.</summary>
    public string SourceId { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        _receiver = await DestinationReceiver.StartAsync();
        _server = await SendoraServer.StartAsync(new Dictionary<string, string?>
        {
            ["Sendora:Destinations:Partitions"] = "4",
            ["Sendora:Destinations:MaxBatchAge"] = "00:00:00.050",
            ["Sendora:Destinations:InitialRetryDelay"] = "00:00:00.200",
            ["Sendora:Destinations:MaxRetryDelay"] = "00:00:00.500",
            ["Sendora:Destinations:Timeout"] = "00:00:02",
        });
        using var workspace = await Server.GetAsAdminAsync("/admin/v1/workspaces/default");
        using var document = JsonDocument.Parse(await workspace.Content.ReadAsStringAsync());
        SourceId = document.RootElement.GetProperty("sources")[0].GetProperty("id").GetString()!;
    }

    /// <summary>
    /// Creates a destination from <paramref name="json"/>, which the caller builds around <see cref="SourceId"/>,
    /// and waits until profiles see it: the silo serves the catalog from memory for 50 ms in tests.
    /// </summary>
    public async Task CreateDestinationAsync(string json)
    {
        using var response = await Server.SendAsAdminAsync(HttpMethod.Post, "/admin/v1/workspaces/default/destinations", json);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        await Task.Delay(300);
    }

    /// <summary>Returns the body of <c>GET /destinations/{id}</c>.</summary>
    public async Task<JsonElement> GetDestinationAsync(string id)
    {
        using var response = await Server.GetAsAdminAsync($"/admin/v1/workspaces/default/destinations/{id}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Sends a batch of messages as the default source.</summary>
    public async Task SendAsync(params string[] messages)
    {
        using var response = await Server.PostAsync("/v1/batch", $"{{\"batch\": [{string.Join(",", messages)}]}}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Waits until the receiver <paramref name="name"/> has <paramref name="count"/> messages, and returns them.</summary>
    public Task<IReadOnlyList<JsonElement>> WaitForAsync(string name, int count) =>
        Poll.UntilAsync(
            () => Task.FromResult(Receiver.AcceptedBy(name)),
            messages => messages.Count >= count,
            messages => $"'{name}' received {messages.Count} of {count} messages: "
                + string.Join(", ", messages.Select(m => m.GetProperty("messageId").GetString()))
                + $". Receiver errors: {string.Join(" ", Receiver.Errors)}",
            TimeSpan.FromSeconds(30));

    public static string Track(string userId, string messageId, string name, string timestamp, string properties = "{}", string? integrations = null) =>
        $$"""{"type": "track", "userId": "{{userId}}", "messageId": "{{messageId}}", "event": "{{name}}", "timestamp": "{{timestamp}}", "properties": {{properties}}{{(integrations is null ? "" : $", \"integrations\": {integrations}")}}}""";

    public string Destination(string id, string name, string url, string extra = "") =>
        $$"""{"id": "{{id}}", "name": "{{name}}", "sourceIds": ["{{SourceId}}"], "url": "{{url}}", "signingSecret": "{{DestinationReceiver.Secret}}"{{extra}}}""";

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_receiver is not null)
        {
            await _receiver.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class DestinationsCollection : ICollectionFixture<DestinationsFixture>
{
    public const string Name = "destinations";
}
