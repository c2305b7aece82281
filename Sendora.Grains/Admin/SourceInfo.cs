namespace Sendora.Grains.Admin;

/// <summary>A source of a workspace: one write key that SDKs send with.</summary>
[GenerateSerializer, Immutable, Alias("sendora.SourceInfo")]
public sealed record SourceInfo
{
    /// <summary>The maximum length of a write key. The gateway rejects a longer key without looking it up.</summary>
    public const int MaxWriteKeyLength = 256;

    [Id(0)] public required string Id { get; init; }

    [Id(1)] public required string Name { get; init; }

    [Id(2)] public required string WriteKey { get; init; }

    [Id(3)] public required bool Enabled { get; init; }

    [Id(4)] public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>
    /// How far, in percent, an hour's accepted messages may stray from the typical volume before the volume alert
    /// opens, or null for <c>Sendora:Health:VolumeAlertPercent</c>.
    /// </summary>
    [Id(5)] public int? VolumeAlertPercent { get; init; }
}

/// <summary>A workspace's name and sources.</summary>
[GenerateSerializer, Immutable, Alias("sendora.WorkspaceInfo")]
public sealed record WorkspaceInfo
{
    [Id(0)] public required string Id { get; init; }

    [Id(1)] public required string Name { get; init; }

    [Id(2)] public required DateTimeOffset CreatedAt { get; init; }

    [Id(3)] public required IReadOnlyList<SourceInfo> Sources { get; init; }
}

/// <summary>What a write key grants: sending to one source of one workspace, while enabled.</summary>
[GenerateSerializer, Immutable, Alias("sendora.WriteKeyBinding")]
public sealed record WriteKeyBinding(
    [property: Id(0)] string WorkspaceId,
    [property: Id(1)] string SourceId,
    [property: Id(2)] bool Enabled);
