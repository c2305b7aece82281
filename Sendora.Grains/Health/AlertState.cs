namespace Sendora.Grains.Health;

/// <summary>The persisted alerts of a workspace and the webhook POSTs not yet delivered.</summary>
[GenerateSerializer, Alias("sendora.AlertState")]
public sealed class AlertState
{
    /// <summary>Open alerts and the kept resolved ones, oldest first.</summary>
    [Id(0)] public List<AlertRecord> Alerts { get; set; } = [];

    /// <summary>POSTs to the alert webhook in the order of the changes, each sent only after the one before it.</summary>
    [Id(1)] public List<AlertNotification> Outbox { get; set; } = [];
}

/// <summary>One POST to the alert webhook for one change of one alert.</summary>
[GenerateSerializer, Immutable, Alias("sendora.AlertNotification")]
public sealed record AlertNotification
{
    /// <summary>The id sent as <c>Idempotency-Key</c>, so a receiver can drop a POST repeated after a silo stop.</summary>
    [Id(0)] public required string Id { get; init; }

    /// <summary>The JSON body, fixed when the change happened.</summary>
    [Id(1)] public required string Body { get; init; }

    [Id(2)] public int Attempts { get; init; }

    [Id(3)] public DateTimeOffset? FirstAttemptAt { get; init; }

    [Id(4)] public required DateTimeOffset NextAttemptAt { get; init; }
}
