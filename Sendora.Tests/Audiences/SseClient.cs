using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Audiences;

/// <summary>One Server-Sent Event as a client receives it.</summary>
public sealed record SseEvent(string? Id, string Event, JsonElement Data);

/// <summary>
/// A Server-Sent Events client over a real HTTP connection: it reads the stream in the background and
/// queues every event, so that tests wait for events with a timeout.
/// </summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Channel<SseEvent> _events = Channel.CreateUnbounded<SseEvent>();
    private readonly HttpResponseMessage _response;
    private readonly Task _reader;

    private SseClient(HttpResponseMessage response)
    {
        _response = response;
        _reader = Task.Run(ReadAsync);
    }

    public static async Task<SseClient> ConnectAsync(HttpClient http, string path, long? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SendoraServer.AdminToken);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            response.Dispose();
            throw new InvalidOperationException($"GET {path} returned {(int)response.StatusCode}: {body}");
        }

        return new SseClient(response);
    }

    /// <summary>Returns the next enter or exit event, or fails the test after <paramref name="timeout"/>.</summary>
    public async Task<SseEvent> NextAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        try
        {
            return await _events.Reader.ReadAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No event arrived within {(timeout ?? TimeSpan.FromSeconds(15)).TotalSeconds} s.");
        }
    }

    /// <summary>Returns the events that arrive within <paramref name="wait"/>.</summary>
    public async Task<List<SseEvent>> DrainAsync(TimeSpan wait)
    {
        var received = new List<SseEvent>();
        using var cancel = new CancellationTokenSource(wait);
        try
        {
            while (true)
            {
                received.Add(await _events.Reader.ReadAsync(cancel.Token));
            }
        }
        catch (OperationCanceledException)
        {
            return received;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _response.Dispose();
        try
        {
            await _reader;
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or ObjectDisposedException or HttpRequestException)
        {
            // The stream ends by disposal.
        }

        _stop.Dispose();
    }

    private async Task ReadAsync()
    {
        await using var stream = await _response.Content.ReadAsStreamAsync(_stop.Token);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? id = null;
        string? name = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            if (line.Length == 0)
            {
                if (name is not null && data.Length > 0)
                {
                    using var document = JsonDocument.Parse(data.ToString());
                    await _events.Writer.WriteAsync(new SseEvent(id, name, document.RootElement.Clone()), _stop.Token);
                }

                id = null;
                name = null;
                data.Clear();
            }
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
            {
                id = line[4..];
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                data.Append(line[6..]);
            }
        }
    }
}
