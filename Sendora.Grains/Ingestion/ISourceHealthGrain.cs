using Orleans.Concurrency;

namespace Sendora.Grains.Ingestion;

/// <summary>
/// The intake record of one source, keyed <c>{workspaceId}/{sourceId}</c>: how many messages were
/// accepted, rejected and dropped as duplicates, and the rejected messages themselves.
/// </summary>
public interface ISourceHealthGrain : IGrainWithStringKey
{
    /// <summary>Stores <paramref name="rejections"/> and returns after they are persisted.</summary>
    Task RecordRejectionsAsync(IReadOnlyList<RejectedMessage> rejections);

    /// <summary>
    /// Adds to the accepted, duplicate and suppressed counters and to the minute and hour that contain
    /// <paramref name="receivedAt"/>.
    /// </summary>
    Task AddCountsAsync(DateTimeOffset receivedAt, long accepted, long duplicates, long suppressed);

    /// <summary>Returns the counters and up to <paramref name="limit"/> rejections, newest first.</summary>
    [ReadOnly]
    Task<SourceHealthSnapshot> GetAsync(int limit);

    /// <summary>Returns the counts per minute and per hour, oldest first, and the state of the volume alert.</summary>
    [ReadOnly]
    Task<SourceVolumeReport> GetVolumeAsync();
}

/// <summary>One rejected message or request, kept for inspection.</summary>
[GenerateSerializer, Immutable, Alias("sendora.RejectedMessage")]
public sealed record RejectedMessage
{
    [Id(0)] public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The request path, such as <c>/v1/batch</c>.</summary>
    [Id(1)] public required string Path { get; init; }

    /// <summary>The position in the batch, or null when the whole request was rejected.</summary>
    [Id(2)] public int? Index { get; init; }

    [Id(3)] public required string Code { get; init; }

    [Id(4)] public required string Message { get; init; }

    /// <summary>The rejected JSON (or, for a body that is not UTF-8, its bytes in base64), cut to the kept size.</summary>
    [Id(5)] public required string Body { get; init; }

    /// <summary>The size of the rejected message or body in bytes before any cut.</summary>
    [Id(6)] public required int SizeBytes { get; init; }

    /// <summary>True when <see cref="Body"/> was cut to the kept size.</summary>
    [Id(7)] public bool Truncated { get; init; }

    /// <summary>True when <see cref="Body"/> holds base64 of bytes that are not UTF-8.</summary>
    [Id(8)] public bool Base64 { get; init; }
}

/// <summary>A source's counters and most recent rejections.</summary>
[GenerateSerializer, Immutable, Alias("sendora.SourceHealthSnapshot")]
public sealed record SourceHealthSnapshot
{
    [Id(0)] public long Accepted { get; init; }

    [Id(1)] public long Rejected { get; init; }

    [Id(2)] public long Duplicates { get; init; }

    /// <summary>Rejections counted by code.</summary>
    [Id(3)] public required IReadOnlyDictionary<string, long> RejectedByCode { get; init; }

    [Id(4)] public required IReadOnlyList<RejectedMessage> Rejections { get; init; }

    /// <summary>Messages dropped unstored because a regulation suppresses their userId.</summary>
    [Id(5)] public long Suppressed { get; init; }
}
