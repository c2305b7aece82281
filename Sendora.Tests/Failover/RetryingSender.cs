using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Failover;

/// <summary>
/// Sends tracking requests the way Segment's SDKs do: a 503 or a lost connection is retried with the same body, and so
/// the same messageIds, after an exponential backoff, until a 200 or a deadline. Every response is recorded, so that a
/// test can check that nothing but 200 and 503 with Retry-After came back.
/// </summary>
public sealed class RetryingSender(HttpClient http, string writeKey, TimeSpan giveUpAfter)
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(2);

    /// <summary>Every response and failure, one line each, such as <c>503 Retry-After=5</c> or <c>timeout</c>.</summary>
    public ConcurrentQueue<string> Outcomes { get; } = new();

    /// <summary>How many responses were 503, counting each retry.</summary>
    public int Unavailable => Outcomes.Count(outcome => outcome.StartsWith("503", StringComparison.Ordinal));

    /// <summary>
    /// Sends <paramref name="body"/> to <paramref name="path"/> until the response is 200 and returns true, or returns
    /// false when <c>giveUpAfter</c> has passed since the first attempt.
    /// </summary>
    public async Task<bool> SendAsync(string path, string body)
    {
        var started = Stopwatch.StartNew();
        var backoff = FirstBackoff;
        while (true)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = new StringContent(body, Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = SendoraServer.Basic(writeKey);
            try
            {
                using var response = await http.SendAsync(request);
                Outcomes.Enqueue(Describe(response));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (TaskCanceledException)
            {
                // HttpClient's own timeout: the gateway held the request longer than the test allows.
                Outcomes.Enqueue("timeout");
            }
            catch (HttpRequestException exception)
            {
                Outcomes.Enqueue("connection failed: " + exception.Message);
            }

            if (started.Elapsed > giveUpAfter)
            {
                return false;
            }

            await Task.Delay(backoff);
            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
        }
    }

    /// <summary>Returns the outcomes that a failover may not produce: anything but 200, and 503 without Retry-After.</summary>
    public List<string> UnexpectedOutcomes() =>
        [.. Outcomes
            .Where(outcome => outcome != "200" && !outcome.StartsWith("503 Retry-After=", StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)];

    private static string Describe(HttpResponseMessage response)
    {
        var status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
        {
            return status;
        }

        return response.Headers.RetryAfter?.Delta is { } delta && delta > TimeSpan.Zero
            ? $"{status} Retry-After={delta.TotalSeconds:0}"
            : $"{status} without Retry-After";
    }
}
