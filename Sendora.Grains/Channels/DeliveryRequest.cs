namespace Sendora.Grains.Channels;

/// <summary>
/// One message to one profile on one channel. <see cref="DeliveryId"/> is the idempotency key: a journey
/// uses <c>{journeyId}:{version}:{profileId}:{run}:{stepId}</c>. <see cref="ContextJson"/> is the JSON
/// object <c>{"traits":{…},"event":{…},"journey":{…}}</c> that templates read. Exactly one of
/// <see cref="Email"/>, <see cref="Push"/> and <see cref="Webhook"/> is set, matching <see cref="Channel"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.DeliveryRequest")]
public sealed record DeliveryRequest
{
    [Id(0)] public required string DeliveryId { get; init; }

    [Id(1)] public required string ProfileId { get; init; }

    /// <summary>One of <see cref="DeliveryChannels"/>.</summary>
    [Id(2)] public required string Channel { get; init; }

    /// <summary>A receipt or password reset: skips unsubscription, quiet hours and frequency caps.</summary>
    [Id(3)] public bool Transactional { get; init; }

    [Id(4)] public string? JourneyId { get; init; }

    [Id(5)] public int? JourneyVersion { get; init; }

    [Id(6)] public string? StepId { get; init; }

    [Id(7)] public string ContextJson { get; init; } = "{}";

    [Id(8)] public EmailContent? Email { get; init; }

    [Id(9)] public PushContent? Push { get; init; }

    [Id(10)] public WebhookContent? Webhook { get; init; }
}
