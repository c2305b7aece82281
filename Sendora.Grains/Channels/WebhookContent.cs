namespace Sendora.Grains.Channels;

/// <summary>
/// A JSON POST to <see cref="Url"/>. <see cref="BodyTemplate"/> is a Liquid template that must produce JSON;
/// when null the body is the request's context. <see cref="SigningSecret"/> overrides
/// <c>Sendora:Channels:Webhook:SigningSecret</c> for this delivery.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.WebhookContent")]
public sealed record WebhookContent(
    [property: Id(0)] string Url,
    [property: Id(1)] IReadOnlyDictionary<string, string>? Headers,
    [property: Id(2)] string? BodyTemplate,
    [property: Id(3)] string? SigningSecret = null);
