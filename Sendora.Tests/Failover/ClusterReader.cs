using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Failover;

/// <summary>Reads profiles and the cluster view through a gateway's profile and admin APIs, with the admin token.</summary>
public sealed class ClusterReader(HttpClient http)
{
    private const int MaxReadAttempts = 60;

    /// <summary>Returns the messageIds of every event of a profile, in the order the profile API pages them.</summary>
    public async Task<List<string>> EventMessageIdsAsync(string externalId)
    {
        var messageIds = new List<string>();
        string? next = null;
        do
        {
            var query = "?limit=100" + (next is null ? string.Empty : "&next=" + Uri.EscapeDataString(next));
            var page = await GetAsync(SendoraServer.ProfilePath(externalId, "events", query));
            messageIds.AddRange(page.GetProperty("data").EnumerateArray()
                .Select(item => item.GetProperty("messageId").GetString()!));
            var cursor = page.GetProperty("cursor");
            next = cursor.GetProperty("has_more").GetBoolean() ? cursor.GetProperty("next").GetString() : null;
        }
        while (next is not null);

        return messageIds;
    }

    /// <summary>Returns the inspected profile grain of an external id: its silo, activation and state.</summary>
    public async Task<JsonElement> InspectProfileAsync(string externalId)
    {
        var inspection = await GetAsync($"/admin/v1/workspaces/default/inspect/profiles/{Uri.EscapeDataString(externalId)}");
        return inspection.GetProperty("grain");
    }

    /// <summary>Returns the status of each silo that the membership table lists, by silo address.</summary>
    public async Task<Dictionary<string, string>> SiloStatusesAsync()
    {
        var view = await GetAsync("/admin/v1/cluster?all=true");
        return view.GetProperty("silos").EnumerateArray().ToDictionary(
            silo => silo.GetProperty("address").GetString()!,
            silo => silo.GetProperty("status").GetString()!,
            StringComparer.Ordinal);
    }

    /// <summary>Polls the cluster view until <paramref name="count"/> silos are active, and returns their addresses.</summary>
    public async Task<List<string>> WaitForActiveSilosAsync(int count, TimeSpan timeout)
    {
        var statuses = await Poll.UntilAsync(
            SiloStatusesAsync,
            silos => silos.Count(silo => silo.Value == "Active") == count,
            silos => $"Expected {count} active silos, got: {string.Join(", ", silos)}",
            timeout);
        return [.. statuses.Where(silo => silo.Value == "Active").Select(silo => silo.Key)];
    }

    // A read while the cluster fails over may get a 503 like any request, and is retried the same way.
    private async Task<JsonElement> GetAsync(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SendoraServer.AdminToken);
            using var response = await http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < MaxReadAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500));
                continue;
            }

            await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
            return await JsonAssert.ReadAsync(response);
        }
    }
}
