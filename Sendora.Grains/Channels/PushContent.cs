namespace Sendora.Grains.Channels;

/// <summary>
/// A push notification sent through FCM to each of <see cref="Tokens"/>. <see cref="Title"/> and
/// <see cref="Body"/> are Liquid templates over the request's context; <see cref="Data"/> is sent as is.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.PushContent")]
public sealed record PushContent(
    [property: Id(0)] string Title,
    [property: Id(1)] string Body,
    [property: Id(2)] IReadOnlyDictionary<string, string>? Data,
    [property: Id(3)] IReadOnlyList<PushToken> Tokens);
