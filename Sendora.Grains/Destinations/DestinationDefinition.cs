namespace Sendora.Grains.Destinations;

/// <summary>
/// A destination as the workspace stores it: the webhook that receives the messages of its sources, which messages
/// it takes, how their fields are renamed or dropped, and whether audience changes reach it.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.DestinationDefinition")]
public sealed record DestinationDefinition
{
    [Id(0)] public required string Id { get; init; }

    /// <summary>The name that a message's <c>integrations</c> object uses to enable or disable this destination.</summary>
    [Id(1)] public required string Name { get; init; }

    /// <summary>The sources whose messages the destination receives.</summary>
    [Id(2)] public required IReadOnlyList<string> SourceIds { get; init; }

    [Id(3)] public bool Enabled { get; init; } = true;

    /// <summary>The absolute http or https URL that batches are POSTed to.</summary>
    [Id(4)] public required string Url { get; init; }

    /// <summary>Headers added to every request, such as an Authorization header the receiver expects.</summary>
    [Id(5)] public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>The HMAC-SHA256 key of the <c>Sendora-Signature</c> header.</summary>
    [Id(6)] public required string SigningSecret { get; init; }

    [Id(7)] public DestinationFilter Filter { get; init; } = new();

    [Id(8)] public DestinationMapping Mapping { get; init; } = new();

    [Id(9)] public DestinationAudienceEvents AudienceEvents { get; init; } = new();

    /// <summary>The most messages in one request; null takes <c>Sendora:Destinations:BatchSize</c>.</summary>
    [Id(10)] public int? BatchSize { get; init; }

    /// <summary>How long a message waits for a fuller batch; null takes <c>Sendora:Destinations:MaxBatchAge</c>.</summary>
    [Id(11)] public TimeSpan? MaxBatchAge { get; init; }

    /// <summary>How long a failing person's messages are retried before they are parked; null takes <c>Sendora:Destinations:RetryPeriod</c>.</summary>
    [Id(12)] public TimeSpan? RetryPeriod { get; init; }

    [Id(13)] public DateTimeOffset CreatedAt { get; init; }

    [Id(14)] public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>
    /// How many partition grains share the destination's people, fixed at creation from
    /// <c>Sendora:Destinations:Partitions</c> so that a person's partition never changes.
    /// </summary>
    [Id(15)] public int Partitions { get; init; } = 1;
}

/// <summary>Which messages a destination takes. Empty lists and a null condition let every message through.</summary>
[GenerateSerializer, Immutable, Alias("sendora.DestinationFilter")]
public sealed record DestinationFilter
{
    /// <summary>The message types taken, such as <c>track</c> and <c>identify</c>; empty takes every type.</summary>
    [Id(0)] public IReadOnlyList<string> EventTypes { get; init; } = [];

    /// <summary>The event names of track calls and the names of page and screen calls taken; empty takes every name.</summary>
    [Id(1)] public IReadOnlyList<string> EventNames { get; init; } = [];

    /// <summary>A condition on the message's properties in the audience condition language, as JSON text.</summary>
    [Id(2)] public string? WhereJson { get; init; }
}

/// <summary>How a destination reshapes each message: fields renamed, then fields dropped, by dotted path.</summary>
[GenerateSerializer, Immutable, Alias("sendora.DestinationMapping")]
public sealed record DestinationMapping
{
    /// <summary>Paths moved to new paths, such as <c>properties.total</c> to <c>properties.revenue</c>.</summary>
    [Id(0)] public IReadOnlyDictionary<string, string> Rename { get; init; } = new Dictionary<string, string>();

    /// <summary>Paths removed from the message, such as <c>context.ip</c>.</summary>
    [Id(1)] public IReadOnlyList<string> Drop { get; init; } = [];
}

/// <summary>Whether a destination receives audience enters and exits as track events, and which.</summary>
[GenerateSerializer, Immutable, Alias("sendora.DestinationAudienceEvents")]
public sealed record DestinationAudienceEvents
{
    [Id(0)] public bool Enabled { get; init; }

    /// <summary>The audiences whose changes are sent; empty sends the changes of every audience.</summary>
    [Id(1)] public IReadOnlyList<string> AudienceIds { get; init; } = [];

    [Id(2)] public string EnterEvent { get; init; } = "Audience Entered";

    [Id(3)] public string ExitEvent { get; init; } = "Audience Exited";
}
