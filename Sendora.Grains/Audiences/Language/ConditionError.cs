namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// One problem in a definition: <see cref="Path"/> is the JSON path of the invalid node, such as
/// <c>$.all[2].operator</c>, and <see cref="Message"/> names the field and what it accepts.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.ConditionError")]
public sealed record ConditionError([property: Id(0)] string Path, [property: Id(1)] string Message);
