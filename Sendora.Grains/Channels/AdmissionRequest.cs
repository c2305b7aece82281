namespace Sendora.Grains.Channels;

/// <summary>
/// What a profile needs to admit a delivery: its channel, whether it is transactional, the email address,
/// and the frequency cap that applies (none when <see cref="Cap"/> is null).
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.AdmissionRequest")]
public sealed record AdmissionRequest(
    [property: Id(0)] string DeliveryId,
    [property: Id(1)] string Channel,
    [property: Id(2)] bool Transactional,
    [property: Id(3)] string? Address,
    [property: Id(4)] CapRule? Cap,
    [property: Id(5)] DateTimeOffset At);

/// <summary>A frequency cap: at most <see cref="Limit"/> deliveries in <see cref="Window"/>.</summary>
[GenerateSerializer, Immutable, Alias("sendora.CapRule")]
public sealed record CapRule([property: Id(0)] int Limit, [property: Id(1)] TimeSpan Window);

/// <summary>The decision on a delivery: allowed when <see cref="Status"/> is null, else suppressed or capped with a reason.</summary>
[GenerateSerializer, Immutable, Alias("sendora.DeliveryAdmission")]
public sealed record DeliveryAdmission([property: Id(0)] string? Status, [property: Id(1)] string? Reason)
{
    public static DeliveryAdmission Allowed { get; } = new(null, null);

    public bool IsAllowed => Status is null;
}
