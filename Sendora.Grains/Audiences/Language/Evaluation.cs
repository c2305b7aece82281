namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// The result of a condition at one instant. <see cref="NextChangeAt"/> is the earliest later instant at
/// which the result can change without new data. It may come before the real change but never after
/// it, and it is null when no passing time can change the result.
/// </summary>
public readonly record struct Evaluation(bool Matches, DateTimeOffset? NextChangeAt);
