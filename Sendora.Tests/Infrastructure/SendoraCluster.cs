using System.Net.Http.Headers;
using Sendora.Silo.Hosting;

namespace Sendora.Tests.Infrastructure;

/// <summary>
/// Sendora as separate processes, the way ./run.sh runs it: one silo and one gateway (an Orleans
/// client) on a private Azurite or redis-server, so a test can kill and restart the silo. Tests may add silos and
/// gateways.
/// </summary>
public sealed class SendoraCluster : IAsyncDisposable
{
    /// <summary>How long a new cluster, or a gateway added to it, may take until /readyz returns 200.</summary>
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly Dictionary<string, string> _environment;
    private readonly List<SendoraProcess> _additionalSilos = [];
    private readonly List<(SendoraProcess Process, HttpClient Http)> _additionalGateways = [];

    private SendoraCluster(IAsyncDisposable storage, Dictionary<string, string> environment, int httpPort)
    {
        Storage = storage;
        _environment = environment;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    /// <summary>The cluster's private <see cref="Infrastructure.Azurite"/> or <see cref="RedisServer"/>.</summary>
    public IAsyncDisposable Storage { get; }

    /// <summary>The cluster's Azurite, for tests that read its tables.</summary>
    public Azurite Azurite =>
        Storage as Azurite ?? throw new InvalidOperationException("This cluster runs on Redis, not Azurite.");

    public SendoraProcess? Silo { get; private set; }

    public SendoraProcess? Gateway { get; private set; }

    public HttpClient Http { get; }

    public string WriteKey => _environment["SENDORA_WRITE_KEY"];

    /// <summary>
    /// Starts Azurite, or redis-server when <paramref name="storage"/> is <see cref="StorageKind.Redis"/>, then a silo
    /// and a gateway. <paramref name="settings"/> adds environment variables to both processes, such as
    /// <c>Sendora__Channels__Email__Host</c>, and may replace the defaults.
    /// </summary>
    public static async Task<SendoraCluster> StartAsync(
        IReadOnlyDictionary<string, string>? settings = null, StorageKind storage = StorageKind.AzureStorage)
    {
        var environment = new Dictionary<string, string>();
        IAsyncDisposable server;
        if (storage == StorageKind.Redis)
        {
            var redis = await RedisServer.StartAsync();
            environment["Sendora__Storage"] = nameof(StorageKind.Redis);
            environment["Sendora__Redis__ConnectionString"] = redis.ConnectionString;
            server = redis;
        }
        else
        {
            var azurite = await Azurite.StartAsync();
            environment["Sendora__AzureStorage__ConnectionString"] = azurite.ConnectionString;
            server = azurite;
        }

        var httpPort = Ports.GetFree();
        environment["Sendora__Cluster__SiloPort"] = Ports.GetFree().ToString();
        environment["Sendora__Cluster__GatewayPort"] = Ports.GetFree().ToString();
        environment["SENDORA_ADMIN_TOKEN"] = SendoraServer.AdminToken;
        environment["SENDORA_WRITE_KEY"] = "wk_" + Guid.NewGuid().ToString("N");
        environment["Logging__LogLevel__Default"] = "Warning";
        // Under a full test run a silo can take more than the default minute to register. The gateway keeps trying
        // for as long as the cluster waits for it.
        environment["Sendora__Gateway__ClusterConnectTimeout"] = StartTimeout.ToString();
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var cluster = new SendoraCluster(server, environment, httpPort);
        try
        {
            cluster.StartSilo();
            cluster.Gateway = SendoraProcess.Start("Sendora.Gateway", environment, "--urls", $"http://127.0.0.1:{httpPort}");
            await cluster.WaitUntilHealthyAsync(StartTimeout);
            return cluster;
        }
        catch
        {
            // The caller never gets the cluster to dispose, so its processes and storage would outlive the test.
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts a silo process on the cluster's fixed ports, as a restart after a crash would, with
    /// <paramref name="changed"/> settings over the cluster's own.
    /// </summary>
    public void StartSilo(IReadOnlyDictionary<string, string>? changed = null)
    {
        var environment = new Dictionary<string, string>(_environment);
        foreach (var (key, value) in changed ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        Silo = SendoraProcess.Start("Sendora.Silo", environment);
    }

    /// <summary>Starts one more silo process on ports of its own, which joins the cluster through the same storage.</summary>
    public SendoraProcess StartAdditionalSilo()
    {
        var environment = new Dictionary<string, string>(_environment)
        {
            ["Sendora__Cluster__SiloPort"] = Ports.GetFree().ToString(),
            ["Sendora__Cluster__GatewayPort"] = Ports.GetFree().ToString(),
        };
        var silo = SendoraProcess.Start("Sendora.Silo", environment);
        _additionalSilos.Add(silo);
        return silo;
    }

    /// <summary>
    /// Starts one more gateway process, an Orleans client of the same silos on an HTTP port of its own, waits until
    /// it is ready, and returns a client for it. The cluster stops it and disposes the client.
    /// </summary>
    public async Task<HttpClient> StartAdditionalGatewayAsync()
    {
        var httpPort = Ports.GetFree();
        var gateway = SendoraProcess.Start("Sendora.Gateway", _environment, "--urls", $"http://127.0.0.1:{httpPort}");
        var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = Http.Timeout };
        _additionalGateways.Add((gateway, http));
        await WaitUntilReadyAsync(http, gateway, StartTimeout);
        return http;
    }

    /// <summary>
    /// Waits until the gateway's /readyz returns 200, which needs storage and a silo that responds, or throws with
    /// both processes' output.
    /// </summary>
    public Task WaitUntilHealthyAsync(TimeSpan timeout) => WaitUntilReadyAsync(Http, Gateway, timeout);

    private async Task WaitUntilReadyAsync(HttpClient http, SendoraProcess? gateway, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await http.GetAsync("/readyz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException(
            $"Sendora was not ready within {timeout.TotalSeconds:0} s.\nSilo:\n{Silo?.Output}\nGateway:\n{gateway?.Output}");
    }

    public HttpRequestMessage Track(string userId, string messageId)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/track")
        {
            Content = new StringContent(
                $$"""{"userId":"{{userId}}","event":"Order Completed","messageId":"{{messageId}}"}"""),
        };
        request.Headers.Authorization = SendoraServer.Basic(WriteKey);
        return request;
    }

    /// <summary>Sends a request with the admin token as bearer token and <paramref name="json"/>, when set, as its body.</summary>
    public Task<HttpResponseMessage> SendAsAdminAsync(HttpMethod method, string path, string? json)
    {
        var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SendoraServer.AdminToken);
        return Http.SendAsync(request);
    }

    public HttpRequestMessage GetEvents(string userId)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, SendoraServer.ProfilePath("user_id:" + userId, "events", "?limit=100"));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SendoraServer.AdminToken);
        return request;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        foreach (var (gateway, http) in _additionalGateways)
        {
            http.Dispose();
            await gateway.DisposeAsync();
        }

        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }

        foreach (var silo in _additionalSilos)
        {
            await silo.DisposeAsync();
        }

        await Storage.DisposeAsync();
    }
}
