using System.Net.Http.Headers;

namespace Sendora.Tests.Infrastructure;

/// <summary>
/// Sendora as separate processes, the way ./run.sh runs it: one silo and one gateway (an Orleans
/// client) on a private Azurite, so a test can kill and restart the silo.
/// </summary>
public sealed class SendoraCluster : IAsyncDisposable
{
    private readonly Dictionary<string, string> _environment;
    private readonly List<SendoraProcess> _additionalSilos = [];

    private SendoraCluster(Azurite azurite, Dictionary<string, string> environment, int httpPort)
    {
        Azurite = azurite;
        _environment = environment;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public Azurite Azurite { get; }

    public SendoraProcess? Silo { get; private set; }

    public SendoraProcess? Gateway { get; private set; }

    public HttpClient Http { get; }

    public string WriteKey => _environment["SENDORA_WRITE_KEY"];

    /// <summary>
    /// Starts Azurite, a silo and a gateway. <paramref name="settings"/> adds environment variables to both processes,
    /// such as <c>Sendora__Channels__Email__Host</c>, and may replace the defaults.
    /// </summary>
    public static async Task<SendoraCluster> StartAsync(IReadOnlyDictionary<string, string>? settings = null)
    {
        var azurite = await Azurite.StartAsync();
        var httpPort = Ports.GetFree();
        var environment = new Dictionary<string, string>
        {
            ["Sendora__AzureStorage__ConnectionString"] = azurite.ConnectionString,
            ["Sendora__Cluster__SiloPort"] = Ports.GetFree().ToString(),
            ["Sendora__Cluster__GatewayPort"] = Ports.GetFree().ToString(),
            ["SENDORA_ADMIN_TOKEN"] = SendoraServer.AdminToken,
            ["SENDORA_WRITE_KEY"] = "wk_" + Guid.NewGuid().ToString("N"),
            ["Logging__LogLevel__Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            environment[key] = value;
        }

        var cluster = new SendoraCluster(azurite, environment, httpPort);
        cluster.StartSilo();
        cluster.Gateway = SendoraProcess.Start("Sendora.Gateway", environment, "--urls", $"http://127.0.0.1:{httpPort}");
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
        return cluster;
    }

    /// <summary>Starts a silo process on the cluster's fixed ports, as a restart after a crash would.</summary>
    public void StartSilo() => Silo = SendoraProcess.Start("Sendora.Silo", _environment);

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
    /// Waits until the gateway's /readyz returns 200, which needs storage and a silo that responds, or throws with
    /// both processes' output.
    /// </summary>
    public async Task WaitUntilHealthyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var response = await Http.GetAsync("/readyz");
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
            $"Sendora was not ready within {timeout.TotalSeconds:0} s.\nSilo:\n{Silo?.Output}\nGateway:\n{Gateway?.Output}");
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

        if (Silo is not null)
        {
            await Silo.DisposeAsync();
        }

        foreach (var silo in _additionalSilos)
        {
            await silo.DisposeAsync();
        }

        await Azurite.DisposeAsync();
    }
}
