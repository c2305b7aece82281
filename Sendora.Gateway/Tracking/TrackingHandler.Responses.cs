using System.Text.Json;

namespace Sendora.Gateway.Tracking;

public sealed partial class TrackingHandler
{
    private static readonly JsonWriterOptions ResponseWriterOptions =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly byte[] Success = """{"success":true}"""u8.ToArray();

    /// <summary>Seconds a client should wait before retrying when a silo or storage is unavailable.</summary>
    private const int RetryAfterSeconds = 5;

    private static async Task WriteResultAsync(
        HttpContext context, bool isBatch, int messageCount, List<(int Index, IngestionError Error, JsonElement Item)> rejections)
    {
        var response = context.Response;
        response.ContentType = "application/json";
        if (rejections.Count == 0)
        {
            response.StatusCode = StatusCodes.Status200OK;
            await response.Body.WriteAsync(Success, context.RequestAborted);
            return;
        }

        if (!isBatch)
        {
            await WriteErrorAsync(context, rejections[0].Error);
            return;
        }

        // A batch keeps its valid messages: 200 when any was accepted, 400 when none was.
        var allRejected = rejections.Count == messageCount;
        await using var writer = new Utf8JsonWriter(response.Body, ResponseWriterOptions);
        response.StatusCode = allRejected ? StatusCodes.Status400BadRequest : StatusCodes.Status200OK;
        writer.WriteStartObject();
        writer.WriteBoolean("success", !allRejected);
        if (allRejected)
        {
            writer.WriteString("code", "all_rejected");
            writer.WriteString("message", $"Every message of the batch was rejected ({rejections.Count}); see \"rejected\".");
        }

        writer.WriteStartArray("rejected");
        foreach (var (index, error, _) in rejections)
        {
            writer.WriteStartObject();
            writer.WriteNumber("index", index);
            writer.WriteString("code", error.Code);
            writer.WriteString("message", error.Message);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static async Task WriteErrorAsync(HttpContext context, IngestionError error)
    {
        var response = context.Response;
        response.StatusCode = error.StatusCode;
        response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(response.Body, ResponseWriterOptions);
        writer.WriteStartObject();
        writer.WriteBoolean("success", false);
        writer.WriteString("code", error.Code);
        writer.WriteString("message", error.Message);
        writer.WriteEndObject();
    }

    private static Task WriteUnavailableAsync(HttpContext context)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return WriteErrorAsync(context, new IngestionError("storage_unavailable",
            $"The cluster or its storage is unavailable, so nothing was acknowledged. Retry after {RetryAfterSeconds} seconds.",
            StatusCodes.Status503ServiceUnavailable));
    }
}
