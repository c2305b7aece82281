using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Sendora.Grains.Channels;

/// <summary>POSTs a signed JSON body to a webhook and classifies the reply.</summary>
public sealed class WebhookSender(IOptions<ChannelOptions> options, TimeProvider clock) : IDisposable
{
    public const string SignatureHeader = "Sendora-Signature";
    public const string TimestampHeader = "Sendora-Timestamp";
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>
    /// Sends <paramref name="body"/>. 2xx is sent; 408, 429, 5xx and network errors are temporary; any other
    /// status fails the delivery.
    /// </summary>
    public async Task<SendOutcome> SendAsync(
        string deliveryId, WebhookContent webhook, string body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(webhook);
        var secret = !string.IsNullOrEmpty(webhook.SigningSecret) ? webhook.SigningSecret : options.Value.Webhook.SigningSecret;
        if (string.IsNullOrEmpty(secret))
        {
            return SendOutcome.Failed($"The webhook has no signing secret: set {ChannelOptions.SectionName}:Webhook:SigningSecret.");
        }

        if (!Uri.TryCreate(webhook.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            return SendOutcome.Failed($"The webhook URL '{webhook.Url}' is not an absolute http or https URL.");
        }

        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in webhook.Headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.Remove(SignatureHeader);
        request.Headers.Remove(TimestampHeader);
        request.Headers.Remove(IdempotencyKeyHeader);
        request.Headers.Add(SignatureHeader, $"t={timestamp},v1={Sign(secret, timestamp, body)}");
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(IdempotencyKeyHeader, deliveryId);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Webhook.Timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return SendOutcome.Sent(response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.FirstOrDefault() : null);
            }

            var reason = $"The webhook replied {status} {response.ReasonPhrase}.";
            return IsTemporary(response.StatusCode)
                ? SendOutcome.Temporary(reason) with { RetryAfter = SendOutcome.ReadRetryAfter(response, clock.GetUtcNow()) }
                : SendOutcome.Failed(reason);
        }
        catch (HttpRequestException exception)
        {
            return SendOutcome.Temporary($"The webhook request failed: {exception.Message}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return SendOutcome.Temporary($"The webhook did not reply within {options.Value.Webhook.Timeout}.");
        }
    }

    /// <summary>Whether a reply may pass if the request is sent again later: 408, 429 and every 5xx.</summary>
    public static bool IsTemporary(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    /// <summary>Returns the lower-case hex HMAC-SHA256 of <c>{timestamp}.{body}</c> under <paramref name="secret"/>.</summary>
    public static string Sign(string secret, string timestamp, string body) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{timestamp}.{body}")));

    public void Dispose() => _http.Dispose();
}
