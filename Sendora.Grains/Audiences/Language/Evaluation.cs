namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// The result of a condition at one instant. <see cref="NextChangeAt"/> is the earliest later instant at
/// which the result can change without new data. It may come before the real change but never after
/// it, and it is null when no passing time can change the result.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.Evaluation")]
public readonly record struct Evaluation(
    [property: Id(0)] bool Matches,
    [property: Id(1)] DateTimeOffset? NextChangeAt);
