using System.Text;
using System.Text.Json;

namespace Sendora.Bench.Baseline;

/// <summary>
/// Parses a tracking request the way Sendora's gateway does, without identity resolution, grains or
/// storage, and writes Segment's success or error body.
/// </summary>
public static class SegmentBodies
{
    /// <summary>The gateway's batch limit in bytes (500 × 1,024, the largest any Segment client builds).</summary>
    public const int MaxBatchBytes = 512_000;

    private const int MaxMessageBytes = 32_768;

    private static readonly byte[] Success = """{"success":true}"""u8.ToArray();

    /// <summary>Reads the body, checks every message and writes 200, 400 or 401.</summary>
    public static async Task HandleAsync(HttpContext context, bool isBatch)
    {
        if (!context.Request.Headers.Authorization.ToString().StartsWith("Basic ", StringComparison.Ordinal))
        {
            await WriteErrorAsync(context, StatusCodes.Status401Unauthorized, "missing_write_key",
                "No write key: send it as the Basic auth user name.");
            return;
        }

        var limit = isBatch ? MaxBatchBytes : MaxMessageBytes;
        var body = await ReadBodyAsync(context.Request, limit, context.RequestAborted);
        if (body is null)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "too_large",
                $"The body is larger than the limit of {limit} bytes.");
            return;
        }

        string? error;
        try
        {
            using var document = JsonDocument.Parse(body);
            error = isBatch ? CheckBatch(document.RootElement) : CheckMessage(document.RootElement, "track");
        }
        catch (JsonException exception)
        {
            error = $"The body is not valid JSON: {exception.Message}";
        }

        if (error is not null)
        {
            await WriteErrorAsync(context, StatusCodes.Status400BadRequest, "invalid_message", error);
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(Success, context.RequestAborted);
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream(request.ContentLength is > 0 and var length ? (int)Math.Min(length, limit) : 1024);
        var chunk = new byte[16_384];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellation)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private static string? CheckBatch(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("batch", out var batch)
            || batch.ValueKind != JsonValueKind.Array)
        {
            return "\"batch\" must be an array of messages.";
        }

        var index = 0;
        foreach (var item in batch.EnumerateArray())
        {
            var type = item.ValueKind == JsonValueKind.Object && item.TryGetProperty("type", out var t)
                && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
            var error = type is null ? "\"type\" is missing." : CheckMessage(item, type);
            if (error is not null)
            {
                return $"batch[{index}]: {error}";
            }

            index++;
        }

        return index == 0 ? "\"batch\" is empty; send at least one message." : null;
    }

    // The same reads the gateway's normalizer makes of a track: ids, event name, and the properties
    // object copied out as its own JSON text.
    private static string? CheckMessage(JsonElement message, string type)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            return "A message must be a JSON object.";
        }

        if (Encoding.UTF8.GetByteCount(message.GetRawText()) > MaxMessageBytes)
        {
            return $"A message is larger than the limit of {MaxMessageBytes} bytes.";
        }

        var userId = ReadString(message, "userId");
        var anonymousId = ReadString(message, "anonymousId");
        if (string.IsNullOrEmpty(userId) && string.IsNullOrEmpty(anonymousId))
        {
            return "\"userId\" or \"anonymousId\" is required.";
        }

        if (type == "track" && string.IsNullOrEmpty(ReadString(message, "event")))
        {
            return "\"event\" is required in a track.";
        }

        if (message.TryGetProperty("properties", out var properties))
        {
            if (properties.ValueKind != JsonValueKind.Object)
            {
                return "\"properties\" must be an object.";
            }

            _ = properties.GetRawText();
        }

        return null;
    }

    private static string? ReadString(JsonElement message, string name) =>
        message.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static Task WriteErrorAsync(HttpContext context, int status, string code, string message)
    {
        context.Response.StatusCode = status;
        return context.Response.WriteAsJsonAsync(new ErrorBody(false, code, message), ErrorBodyContext.Default.ErrorBody);
    }
}
