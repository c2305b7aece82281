namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// One node of an explained condition: its JSON path, a short description, its result and the
/// earliest instant its result can change without new data.
/// </summary>
/// <remarks>
/// Nodes inside an event's <c>where</c> or a <c>groups</c> condition test each event or group on its own.
/// Their <see cref="Result"/> is true when at least one event of the right name, or one group, passed.
/// </remarks>
[GenerateSerializer, Immutable, Alias("sendora.ConditionTrace")]
public sealed record ConditionTrace(
    [property: Id(0)] string Path,
    [property: Id(1)] string Description,
    [property: Id(2)] bool Result,
    [property: Id(3)] DateTimeOffset? NextChangeAt,
    [property: Id(4)] IReadOnlyList<ConditionTrace> Children);
