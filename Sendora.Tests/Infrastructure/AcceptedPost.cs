using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Sendora.Tests.Infrastructure;

/// <summary>
/// Posts tracking calls the way Segment's SDKs do: a 503 with Retry-After is sent again with the same body, because
/// Sendora acknowledged nothing of it. A busy cluster of processes returns that 503 when one grain call takes longer than
/// the gateway's cluster response timeout.
/// </summary>
public static class AcceptedPost
{
    private const int MaxAttempts = 6;

    /// <summary>
    /// Posts <paramref name="json"/> to <paramref name="path"/> until it gets 200, and returns that reply's body. Any other
    /// status fails the test.
    /// </summary>
    public static async Task<JsonElement> SendAsync(HttpClient http, string path, string json, AuthenticationHeaderValue authorization)
    {
        ArgumentNullException.ThrowIfNull(http);
        for (var attempt = 1; ; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = new StringContent(json, Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = authorization;
            using var response = await http.SendAsync(request);
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < MaxAttempts
                && response.Headers.RetryAfter?.Delta is { } wait)
            {
                await Task.Delay(wait < TimeSpan.FromSeconds(5) ? wait : TimeSpan.FromSeconds(5));
                continue;
            }

            await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
            return await JsonAssert.ReadAsync(response);
        }
    }
}
