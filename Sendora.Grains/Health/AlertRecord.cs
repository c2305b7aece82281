namespace Sendora.Grains.Health;

/// <summary>One alert of a workspace, open until <see cref="ResolvedAt"/> is set.</summary>
[GenerateSerializer, Immutable, Alias("sendora.AlertRecord")]
public sealed record AlertRecord
{
    [Id(0)] public required string Id { get; init; }

    /// <summary><see cref="AlertKinds.Volume"/>, <see cref="AlertKinds.DeliverySuccess"/> or <see cref="AlertKinds.SyncFailure"/>.</summary>
    [Id(1)] public required string Kind { get; init; }

    /// <summary>The source id of a volume alert, the channel of a delivery alert, or the sync id of a sync alert.</summary>
    [Id(2)] public required string Subject { get; init; }

    [Id(3)] public required DateTimeOffset OpenedAt { get; init; }

    [Id(4)] public DateTimeOffset? ResolvedAt { get; init; }

    /// <summary>The latest measured value: messages in the hour, or the share of deliveries sent.</summary>
    [Id(5)] public required double Observed { get; init; }

    /// <summary>The value that the measurement is held against: the typical hourly volume, or the success threshold.</summary>
    [Id(6)] public required double Expected { get; init; }

    /// <summary>A sentence that states the measurement and the range it left or came back into.</summary>
    [Id(7)] public required string Message { get; init; }

    [Id(8)] public required DateTimeOffset UpdatedAt { get; init; }
}
