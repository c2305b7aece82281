using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Sendora.Grains.Channels;
using Sendora.Tests.Channels;

namespace Sendora.Tests.Destinations;

/// <summary>
/// Destination endpoints on loopback at <c>/{name}</c> that verify the <c>Sendora-Signature</c> header and record each
/// accepted message and the <c>Idempotency-Key</c> of each accepted request in arrival order. <c>/hang/{name}</c> never replies. A batch that contains a message of a user in
/// <see cref="Unavailable"/> gets 503, and one of a user in <see cref="Rejected"/> gets 400, each with a body naming the user.
/// </summary>
public sealed class DestinationReceiver : IAsyncDisposable
{
    public const string Secret = "dest_secret_0123456789abcdef";

    private readonly ConcurrentDictionary<string, ConcurrentQueue<JsonElement>> _accepted = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _acceptedKeys = new();
    private LoopbackHttpServer? _server;

    /// <summary>User ids whose messages get 503 Service Unavailable.</summary>
    public ConcurrentDictionary<string, bool> Unavailable { get; } = new();

    /// <summary>User ids whose messages get 400 Bad Request.</summary>
    public ConcurrentDictionary<string, bool> Rejected { get; } = new();

    /// <summary>Requests whose signature did not verify or whose body was not a batch.</summary>
    public ConcurrentQueue<string> Errors { get; } = new();

    public Uri BaseAddress => _server!.BaseAddress;

    public static async Task<DestinationReceiver> StartAsync()
    {
        var receiver = new DestinationReceiver();
        receiver._server = await LoopbackHttpServer.StartAsync(app =>
        {
            app.MapPost("/hang/{name}", async (CancellationToken aborted) =>
            {
                await Task.Delay(Timeout.Infinite, aborted);
                return Results.Ok();
            });
            app.MapPost("/{name}", receiver.ReceiveAsync);
        });
        return receiver;
    }

    public string Url(string name) => new Uri(BaseAddress, "/" + name).AbsoluteUri;

    public string HangingUrl(string name) => new Uri(BaseAddress, "/hang/" + name).AbsoluteUri;

    /// <summary>The messages <paramref name="name"/> accepted, in arrival order.</summary>
    public IReadOnlyList<JsonElement> AcceptedBy(string name) =>
        _accepted.TryGetValue(name, out var queue) ? [.. queue] : [];

    /// <summary>The <c>Idempotency-Key</c> of each request <paramref name="name"/> accepted, in arrival order.</summary>
    public IReadOnlyList<string> KeysAcceptedBy(string name) =>
        _acceptedKeys.TryGetValue(name, out var queue) ? [.. queue] : [];

    private async Task<IResult> ReceiveAsync(string name, HttpRequest request, CancellationToken aborted)
    {
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

        using var document = JsonDocument.Parse(body);
        if (!document.RootElement.TryGetProperty("batch", out var batch) || batch.ValueKind != JsonValueKind.Array)
        {
            Errors.Enqueue($"{name}: the body has no batch array: {body}");
            return Results.BadRequest();
        }

        var messages = batch.EnumerateArray().Select(m => m.Clone()).ToList();
        var users = messages.Select(m => m.TryGetProperty("userId", out var u) ? u.GetString() : null).ToList();
        if (users.FirstOrDefault(u => u is not null && Unavailable.ContainsKey(u)) is { } unavailable)
        {
            return Results.Text($"{unavailable} is unavailable", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        if (users.FirstOrDefault(u => u is not null && Rejected.ContainsKey(u)) is { } rejected)
        {
            return Results.Text($"{rejected} is rejected", statusCode: StatusCodes.Status400BadRequest);
        }

        // The key is recorded first, so a test that reads the messages can also read the key of their request.
        _acceptedKeys.GetOrAdd(name, _ => new ConcurrentQueue<string>()).Enqueue(request.Headers["Idempotency-Key"].ToString());
        var queue = _accepted.GetOrAdd(name, _ => new ConcurrentQueue<JsonElement>());
        foreach (var message in messages)
        {
            queue.Enqueue(message);
        }

        return Results.Ok();
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
