namespace Sendora.Grains.Channels;

/// <summary>The profile and channel that an unsubscribe link is for.</summary>
[GenerateSerializer, Immutable, Alias("sendora.UnsubscribeTarget")]
public sealed record UnsubscribeTarget(
    [property: Id(0)] string WorkspaceId,
    [property: Id(1)] string ProfileId,
    [property: Id(2)] string Channel);
