using System.Globalization;
using System.Text.Json;
using Sendora.Gateway.Tracking;
using Sendora.Grains.Audiences;

namespace Sendora.Gateway.Audiences;

/// <summary>
/// Serves an audience's membership changes as Server-Sent Events: each event is named <c>enter</c> or
/// <c>exit</c> and has the audience's sequence number as its id, so a client that reconnects with
/// <c>Last-Event-ID</c> gets exactly the changes after it, from the retained log.
/// </summary>
public static class MembershipStream
{
    private const int PageSize = 200;
    private static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Reads where the client resumes: the <c>Last-Event-ID</c> header, else the <c>lastEventId</c> query
    /// parameter, else 0 (from the start of the retained log). Returns null when the value is not a sequence number.
    /// </summary>
    public static long? ReadLastEventId(HttpRequest request)
    {
        string? value = request.Headers["Last-Event-ID"];
        if (string.IsNullOrWhiteSpace(value))
        {
            value = request.Query["lastEventId"];
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            return 0;
        }

        return long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) ? sequence : null;
    }

    public static async Task RunAsync(HttpContext context, IGrainFactory grains, AudienceStreamHub hub, string audienceKey, long after)
    {
        var response = context.Response;

        // Open streams end when the client leaves or the gateway stops, so that a shutdown does not wait for them.
        var stopping = context.RequestServices.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, stopping);
        var cancellation = linked.Token;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";

        var audience = grains.GetGrain<IAudienceGrain>(audienceKey);
        await hub.FollowAsync(audienceKey);
        try
        {
            await response.WriteAsync("retry: 2000\n\n", cancellation);
            await response.Body.FlushAsync(cancellation);
            var gapReported = false;
            while (!cancellation.IsCancellationRequested)
            {
                var signal = hub.NextChangeAsync(audienceKey);
                var page = await audience.ReadAsync(after, PageSize);
                if (!gapReported && after + 1 < page.FirstRetainedSequence && page.LastSequence > after)
                {
                    // The client resumes from before the oldest retained change, so some changes are gone for it.
                    await WriteGapAsync(response, after, page.FirstRetainedSequence, cancellation);
                    gapReported = true;
                }

                foreach (var entry in page.Entries)
                {
                    await WriteEntryAsync(response, entry, cancellation);
                    after = entry.Sequence;
                }

                await response.Body.FlushAsync(cancellation);
                if (page.Entries.Count == PageSize)
                {
                    continue;
                }

                var woke = await Task.WhenAny(signal, Task.Delay(KeepAliveInterval, cancellation));
                if (woke != signal)
                {
                    await response.WriteAsync(": keep-alive\n\n", cancellation);
                    await response.Body.FlushAsync(cancellation);
                }
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // The client disconnected.
        }
        finally
        {
            hub.Release(audienceKey);
        }
    }

    private static async Task WriteEntryAsync(HttpResponse response, AudienceLogEntry entry, CancellationToken cancellation)
    {
        var change = entry.Change;
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("sequence", entry.Sequence);
            writer.WriteString("type", change.Kind);
            writer.WriteString("audience_id", change.AudienceId);
            writer.WriteString("profile_id", change.ProfileId);
            writer.WriteStartArray("external_ids");
            foreach (var id in change.ExternalIds)
            {
                writer.WriteStringValue(id);
            }

            writer.WriteEndArray();
            writer.WriteString("at", TimestampParser.Format(change.At));
            writer.WriteString("message_id", change.CauseMessageId);
            writer.WriteString("change_id", change.ChangeId);
            writer.WriteNumber("audience_version", change.AudienceVersion);
            writer.WriteEndObject();
        }

        var data = System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
        await response.WriteAsync(
            string.Create(CultureInfo.InvariantCulture, $"id: {entry.Sequence}\nevent: {change.Kind}\ndata: {data}\n\n"), cancellation);
    }

    private static Task WriteGapAsync(HttpResponse response, long after, long firstRetained, CancellationToken cancellation) =>
        response.WriteAsync(string.Create(CultureInfo.InvariantCulture,
            $"event: gap\ndata: {{\"last_event_id\":{after},\"first_retained_sequence\":{firstRetained}}}\n\n"), cancellation);
}
