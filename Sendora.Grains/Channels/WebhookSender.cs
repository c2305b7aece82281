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

    /// <summary>
    /// Headers that a webhook step or destination cannot set: the signature headers, which the sender sets, and the
    /// ones that frame the request or the connection, which HTTP leaves to the client.
    /// </summary>
    public static readonly IReadOnlyList<string> ReservedHeaders =
    [
        SignatureHeader, TimestampHeader, IdempotencyKeyHeader,
        "Content-Type", "Content-Length", "Host", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE",
        "Trailer", "Expect",
    ];

    // A redirect is not followed: .NET would repeat a 302 as a GET without the body, which the receiver would then
    // count as delivered, and repeat a 307 with the configured headers to whatever host the reply names.
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    /// <summary>
    /// Sends <paramref name="body"/>. 2xx is sent; 408, 429, 5xx and network errors are temporary; any other
    /// status, a redirect included, fails the delivery.
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

        var reply = await PostAsync(
            new SignedPost(url, webhook.Headers, secret, deliveryId, body, options.Value.Webhook.Timeout), 0, cancellationToken);
        return reply.Outcome;
    }

    /// <summary>
    /// POSTs <paramref name="post"/> with the <c>Sendora-Signature</c>, <c>Sendora-Timestamp</c> and <c>Idempotency-Key</c>
    /// headers, which replace any of the same name in its headers. 2xx is sent; 408, 429, 5xx, network errors and the
    /// timeout are temporary; any other status is a failure. The reply keeps at most <paramref name="maxExcerptBytes"/>
    /// bytes of the response body of a request that was not sent.
    /// </summary>
    public async Task<SignedPostReply> PostAsync(SignedPost post, int maxExcerptBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(post);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        using var request = new HttpRequestMessage(HttpMethod.Post, post.Url)
        {
            Content = new StringContent(post.Body, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in post.Headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        request.Headers.Remove(SignatureHeader);
        request.Headers.Remove(TimestampHeader);
        request.Headers.Remove(IdempotencyKeyHeader);
        request.Headers.Add(SignatureHeader, $"t={timestamp},v1={Sign(post.Secret, timestamp, post.Body)}");
        request.Headers.Add(TimestampHeader, timestamp);
        request.Headers.Add(IdempotencyKeyHeader, post.IdempotencyKey);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(post.Timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                var providerId = response.Headers.TryGetValues("X-Request-Id", out var ids) ? ids.FirstOrDefault() : null;
                return new SignedPostReply(SendOutcome.Sent(providerId), status, null);
            }

            var excerpt = maxExcerptBytes > 0 ? await ReadExcerptAsync(response, maxExcerptBytes, timeout.Token) : null;
            var reason = $"The webhook replied {status} {response.ReasonPhrase}.";
            var outcome = IsTemporary(response.StatusCode)
                ? SendOutcome.Temporary(reason) with { RetryAfter = SendOutcome.ReadRetryAfter(response, clock.GetUtcNow()) }
                : SendOutcome.Failed(reason);
            return new SignedPostReply(outcome, status, excerpt);
        }
        catch (HttpRequestException exception)
        {
            return new SignedPostReply(SendOutcome.Temporary($"The webhook request failed: {exception.Message}"), null, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SignedPostReply(SendOutcome.Temporary($"The webhook did not reply within {post.Timeout}."), null, null);
        }
    }

    /// <summary>Reads at most <paramref name="maxBytes"/> bytes of the body as UTF-8; a body cut mid-character ends in U+FFFD.</summary>
    private static async Task<string?> ReadExcerptAsync(HttpResponseMessage response, int maxBytes, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[maxBytes];
            var length = 0;
            int read;
            while (length < maxBytes && (read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            {
                length += read;
            }

            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or OperationCanceledException)
        {
            return null;
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
