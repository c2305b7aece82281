namespace Sendora.Gateway.Tracking;

/// <summary>Why a request or one of its messages was rejected: a stable code and a message for people.</summary>
public sealed record IngestionError(string Code, string Message, int StatusCode = StatusCodes.Status400BadRequest)
{
    public static IngestionError MessageTooLarge(long size, int limit) =>
        new("message_too_large", $"The message is {Bytes(size)}; the limit is {limit} bytes per message.");

    public static IngestionError BatchTooLarge(long size, int limit) =>
        new("batch_too_large", $"The request body is {Bytes(size)} after decompression; the limit is {limit} bytes per batch request.");

    public static IngestionError InvalidField(string field, string expected, string got) =>
        new("invalid_field", $"\"{field}\" must be {expected}, got {got}.");

    private static string Bytes(long size) =>
        size == long.MaxValue ? "more than 16 MiB" : $"{size} bytes";
}
