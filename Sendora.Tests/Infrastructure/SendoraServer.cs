using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Sendora.Gateway.Hosting;

namespace Sendora.Tests.Infrastructure;

/// <summary>
/// A whole Sendora in this process: the gateway on real Kestrel at 127.0.0.1 with a silo inside it, on
/// Azurite. Each server gets its own cluster and service id, so its grain state is its own.
/// </summary>
public sealed class SendoraServer : IAsyncDisposable
{
    public const string AdminToken = "test-admin-token-0123456789";

    private readonly WebApplication _app;

    private SendoraServer(WebApplication app, string writeKey, Uri baseAddress)
    {
        _app = app;
        WriteKey = writeKey;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>The write key of the default workspace's first source.</summary>
    public string WriteKey { get; }

    public Uri BaseAddress { get; }

    /// <summary>A client without credentials, for the tests to add their own.</summary>
    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>How long a profile of a test server stays idle before it keeps its state packed.</summary>
    public static readonly TimeSpan PackAfterIdle = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Starts a server. <paramref name="settings"/> override configuration keys, such as
    /// <c>Sendora:Cluster:ServiceId</c> to reopen the state of an earlier server or
    /// <c>Sendora:Gateway:DefaultWriteKey</c>, which <see cref="WriteKey"/> then returns.
    /// <paramref name="services"/> may replace services such as the <see cref="TimeProvider"/>.
    /// </summary>
    public static async Task<SendoraServer> StartAsync(
        IReadOnlyDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        string? connectionString = null)
    {
        var writeKey = "wk_" + Guid.NewGuid().ToString("N");
        var run = Guid.NewGuid().ToString("N")[..12];
        var values = new Dictionary<string, string?>
        {
            ["Sendora:Storage"] = "AzureStorage",
            ["Sendora:AzureStorage:ConnectionString"] = connectionString ?? await Azurite.GetSharedConnectionStringAsync(),
            ["Sendora:Cluster:ClusterId"] = "test-" + run,
            ["Sendora:Cluster:ServiceId"] = "test-" + run,

            // Stream queues are named by this prefix alone, so servers sharing an Azurite each need their own.
            ["Sendora:AzureStorage:StreamQueuePrefix"] = "test-" + run,
            ["Sendora:Cluster:SiloPort"] = Ports.GetFree().ToString(),
            ["Sendora:Cluster:GatewayPort"] = Ports.GetFree().ToString(),
            ["Sendora:Gateway:HostSilo"] = "true",
            ["Sendora:Gateway:AdminToken"] = AdminToken,
            ["Sendora:Gateway:DefaultWriteKey"] = writeKey,
            ["Sendora:Gateway:CounterFlushInterval"] = "00:00:00.200",
            ["Sendora:Audiences:CatalogRefreshInterval"] = "00:00:00.050",

            // Short, so that profiles that tests leave idle for a moment are packed and their next call unpacks them.
            ["Sendora:Profiles:PackAfterIdle"] = PackAfterIdle.ToString("c", CultureInfo.InvariantCulture),

            // Many servers share the test process, and a trim stops every thread of it, so only the trim tests turn it on.
            ["Sendora:Memory:TrimWhenQuiet"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        writeKey = values["Sendora:Gateway:DefaultWriteKey"] ?? writeKey;

        var app = await GatewayApplication.BuildAsync([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(values);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            services?.Invoke(builder.Services);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.First();
        return new SendoraServer(app, writeKey, new Uri(address));
    }

    /// <summary>Sends <paramref name="json"/> to a tracking path with the write key as Basic user name.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, string json, string? writeKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = Basic(writeKey ?? WriteKey);
        return Http.SendAsync(request);
    }

    /// <summary>Sends a GET with the admin token as bearer token.</summary>
    public Task<HttpResponseMessage> GetAsAdminAsync(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return Http.SendAsync(request);
    }

    /// <summary>Sends a request with a JSON body and the admin token.</summary>
    public Task<HttpResponseMessage> SendAsAdminAsync(HttpMethod method, string path, string json)
    {
        var request = new HttpRequestMessage(method, path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        return Http.SendAsync(request);
    }

    /// <summary>Returns the profile API path of a profile in the default workspace.</summary>
    public static string ProfilePath(string externalId, string resource, string query = "") =>
        $"/v1/spaces/default/collections/users/profiles/{Uri.EscapeDataString(externalId)}/{resource}{query}";

    public static AuthenticationHeaderValue Basic(string user) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":")));

    /// <summary>
    /// Stops the server. A silo whose storage is gone can take minutes to leave its cluster, so the
    /// wait is bounded and such a server is left to end with the test process.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        var stop = Task.Run(async () =>
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        });
        await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(20)));
    }
}
