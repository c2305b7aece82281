namespace Sendora.Grains.Health;

/// <summary>A check's result that opens, updates or resolves the alert of one kind and subject.</summary>
[GenerateSerializer, Immutable, Alias("sendora.AlertMeasurement")]
public sealed record AlertMeasurement(
    [property: Id(0)] string Kind,
    [property: Id(1)] string Subject,
    [property: Id(2)] double Observed,
    [property: Id(3)] double Expected,
    [property: Id(4)] string Message,
    [property: Id(5)] DateTimeOffset At);
