namespace Sendora.Grains.Journeys.Templates;

/// <summary>The part of a template that the workspace's template directory lists, without its content.</summary>
[GenerateSerializer, Immutable, Alias("sendora.TemplateSummary")]
public sealed record TemplateSummary(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] string Channel,
    [property: Id(3)] int Version,
    [property: Id(4)] DateTimeOffset UpdatedAt);
