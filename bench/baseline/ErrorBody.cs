using System.Text.Json.Serialization;

namespace Sendora.Bench.Baseline;

/// <summary>Segment's error body: <c>{"success": false, "code", "message"}</c>.</summary>
public sealed record ErrorBody(
    [property: JsonPropertyName("success")] bool Success,
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message);

[JsonSerializable(typeof(ErrorBody))]
internal sealed partial class ErrorBodyContext : JsonSerializerContext;
