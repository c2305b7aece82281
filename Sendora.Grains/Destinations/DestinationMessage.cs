namespace Sendora.Grains.Destinations;

/// <summary>
/// One message on its way to one destination, already filtered and mapped. <see cref="MessageId"/> is the
/// message's own, so a receiver drops a message sent again after a crash or a replay by it.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.DestinationMessage")]
public sealed record DestinationMessage(
    [property: Id(0)] string DestinationId,
    [property: Id(1)] string ProfileId,
    [property: Id(2)] string MessageId,
    [property: Id(3)] DateTimeOffset Timestamp,
    [property: Id(4)] string Json);
