namespace Sendora.Grains.Channels;

/// <summary>A device token and the external id type it was stored under, such as <c>ios.push_token</c>.</summary>
[GenerateSerializer, Immutable, Alias("sendora.PushToken")]
public sealed record PushToken([property: Id(0)] string Type, [property: Id(1)] string Token);
