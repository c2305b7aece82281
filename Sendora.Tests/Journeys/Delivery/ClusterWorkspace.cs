using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Journeys.Delivery;

/// <summary>
/// A workspace of its own on a <see cref="SendoraCluster"/>, with the calls the journey tests make through its
/// gateway. Tracking calls and reads are sent again while the gateway returns 503 or drops the connection, as SDKs
/// do while a silo restarts.
/// </summary>
public sealed class ClusterWorkspace
{
    private readonly HttpClient _http;

    private ClusterWorkspace(HttpClient http, string id, string writeKey)
    {
        _http = http;
        Id = id;
        WriteKey = writeKey;
    }

    public string Id { get; }

    public string WriteKey { get; }

    public string JourneysPath => $"/admin/v1/workspaces/{Id}/journeys";

    public static async Task<ClusterWorkspace> CreateAsync(SendoraCluster cluster)
    {
        var id = "dur-" + Guid.NewGuid().ToString("N")[..12];
        var json = $$"""{"id":"{{id}}","name":"{{id}}"}""";
        using var response = await cluster.Http.SendAsync(Admin(HttpMethod.Post, "/admin/v1/workspaces", json));
        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        var body = await JsonAssert.ReadAsync(response);
        return new ClusterWorkspace(cluster.Http, id, body.GetProperty("sources")[0].GetProperty("writeKey").GetString()!);
    }

    /// <summary>Sends a tracking call and checks that the gateway acknowledges it with 200.</summary>
    public async Task SendAsync(string path, string json)
    {
        using var response = await SendUntilAvailableAsync(() =>
        {
            var request = new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = new StringContent(json, Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = SendoraServer.Basic(WriteKey);
            return request;
        });
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
    }

    /// <summary>Creates a journey from <paramref name="definition"/> and publishes it.</summary>
    public async Task CreateAndPublishAsync(string journeyId, string definition)
    {
        var body = $$"""{"id":"{{journeyId}}","definition":{{definition}}}""";
        using (var created = await _http.SendAsync(Admin(HttpMethod.Post, JourneysPath, body)))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.Created, created);
        }

        using var published = await _http.SendAsync(Admin(HttpMethod.Post, $"{JourneysPath}/{journeyId}/publish", "{}"));
        await JsonAssert.StatusAsync(HttpStatusCode.OK, published);
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        using var response = await SendUntilAvailableAsync(() => Admin(HttpMethod.Get, path, null));
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }

    /// <summary>Polls the latest version's totals until <paramref name="done"/> returns true for them, and returns them.</summary>
    public Task<JsonElement> TotalsWhenAsync(string journeyId, Func<JsonElement, bool> done, TimeSpan timeout) =>
        Poll.UntilAsync(
            async () => (await GetAsync($"{JourneysPath}/{journeyId}/counters")).GetProperty("versions")[0].GetProperty("total"),
            done,
            totals => $"The totals of journey {journeyId} did not reach the expected values: {totals}",
            timeout);

    /// <summary>Polls a step's delivery log until it lists a delivery, and returns the newest.</summary>
    public async Task<JsonElement> DeliveryAsync(string journeyId, string stepId, TimeSpan timeout)
    {
        var data = await Poll.UntilAsync(
            async () => (await GetAsync($"{JourneysPath}/{journeyId}/steps/{stepId}/deliveries")).GetProperty("data"),
            data => data.GetArrayLength() > 0,
            _ => $"Step {stepId} of journey {journeyId} logged no delivery within {timeout}.",
            timeout);
        return data[0];
    }

    /// <summary>Returns a profile's runs through a journey, newest first.</summary>
    public async Task<List<JsonElement>> RunsAsync(string journeyId, string profileId) =>
        [.. (await GetAsync($"{JourneysPath}/{journeyId}/runs/{profileId}")).GetProperty("data").EnumerateArray()];

    /// <summary>
    /// Sends the request that <paramref name="build"/> makes until the gateway replies with a status other than 503,
    /// for at most a minute. Right after a silo restart the gateway returns 503 or drops connections until the silo takes calls.
    /// </summary>
    private async Task<HttpResponseMessage> SendUntilAvailableAsync(Func<HttpRequestMessage> build)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        while (true)
        {
            using var request = build();
            try
            {
                var response = await _http.SendAsync(request);
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable || DateTime.UtcNow > deadline)
                {
                    return response;
                }

                response.Dispose();
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // The connection broke while the silo went down, so the request has no reply to check.
            }

            await Task.Delay(500);
        }
    }

    private static HttpRequestMessage Admin(HttpMethod method, string path, string? json)
    {
        var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SendoraServer.AdminToken);
        return request;
    }
}
