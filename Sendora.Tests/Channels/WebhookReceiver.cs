using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sendora.Grains.Channels;

namespace Sendora.Tests.Channels;

/// <summary>
/// Webhook endpoints on loopback that check the <c>Sendora-Signature</c> header. <c>/ok/{name}</c> accepts,
/// <c>/flaky/{name}</c> replies 503 three times and then accepts, <c>/throttle/{name}</c> replies 429 with
/// <c>Retry-After: 1</c> once and then accepts, <c>/reject/{name}</c> replies 400,
/// <c>/redirect/{name}</c> replies 307 to <c>/ok/{name}-moved</c> and <c>/hang/{name}</c> never replies.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public const string Secret = "whsec_test_0123456789";

    private readonly ConcurrentDictionary<string, int> _attempts = new();
    private LoopbackHttpServer? _server;

    /// <summary>Accepted requests: name, body and Idempotency-Key.</summary>
    public ConcurrentQueue<(string Name, string Body, string IdempotencyKey)> Accepted { get; } = new();

    public ConcurrentQueue<string> Errors { get; } = new();

    public Uri BaseAddress => _server!.BaseAddress;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var receiver = new WebhookReceiver();
        receiver._server = await LoopbackHttpServer.StartAsync(app =>
            app.MapPost("/{behaviour}/{name}", receiver.ReceiveAsync));
        return receiver;
    }

    public int AttemptsOf(string name) => _attempts.GetValueOrDefault(name);

    public string Url(string behaviour, string name) => new Uri(BaseAddress, $"/{behaviour}/{name}").AbsoluteUri;

    private async Task<IResult> ReceiveAsync(string behaviour, string name, HttpRequest request, CancellationToken aborted)
    {
        var attempt = _attempts.AddOrUpdate(name, 1, (_, n) => n + 1);
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(aborted);
        var timestamp = request.Headers[WebhookSender.TimestampHeader].ToString();
        var expected = $"t={timestamp},v1={WebhookSender.Sign(Secret, timestamp, body)}";
        if (request.Headers[WebhookSender.SignatureHeader] != expected
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            Errors.Enqueue($"{name}: signature '{request.Headers[WebhookSender.SignatureHeader]}' is not '{expected}'.");
            return Results.Unauthorized();
        }

        switch (behaviour)
        {
            case "hang":
                await Task.Delay(Timeout.Infinite, aborted);
                return Results.Ok();
            case "reject":
                return Results.BadRequest();
            case "redirect":
                request.HttpContext.Response.Headers.Location = $"/ok/{name}-moved";
                return Results.StatusCode(StatusCodes.Status307TemporaryRedirect);
            case "flaky" when attempt <= 3:
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
            case "throttle" when attempt == 1:
                request.HttpContext.Response.Headers.RetryAfter = "1";
                return Results.StatusCode(StatusCodes.Status429TooManyRequests);
            default:
                Accepted.Enqueue((name, body, request.Headers["Idempotency-Key"].ToString()));
                return Results.Ok();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
