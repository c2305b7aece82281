namespace Sendora.Grains.Channels;

/// <summary>
/// A page of a delivery log, newest first. <see cref="Total"/> is the number of entries kept;
/// <see cref="Counts"/> counts every delivery recorded by status, including those no longer kept.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.DeliveryLogPage")]
public sealed record DeliveryLogPage(
    [property: Id(0)] IReadOnlyList<DeliveryRecord> Deliveries,
    [property: Id(1)] int Total,
    [property: Id(2)] IReadOnlyDictionary<string, long> Counts);
