using System.Text.Json;

namespace Sendora.Gateway.Tracking;

/// <summary>The batch-level fields that apply to each message lacking its own.</summary>
public readonly record struct BatchDefaults(JsonElement? Context, JsonElement? Integrations, JsonElement? SentAt)
{
    public static BatchDefaults None => default;

    public static BatchDefaults From(JsonElement batchBody) => new(
        Property(batchBody, "context"), Property(batchBody, "integrations"), Property(batchBody, "sentAt"));

    private static JsonElement? Property(JsonElement body, string name) =>
        body.TryFindProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;
}
