using Orleans.Concurrency;
using Sendora.Grains.Ingestion;

namespace Sendora.Grains.Profiles;

/// <summary>
/// One person in one workspace, keyed <c>{workspaceId}/{profileId}</c>. It applies that person's
/// messages and is the only writer of their traits, counters and recent events.
/// </summary>
public interface IProfileGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies <paramref name="messages"/> in order, dropping any whose messageId was applied within
    /// the deduplication window, and returns only after the new state is persisted.
    /// </summary>
    Task<ApplyResult> ApplyAsync(IReadOnlyList<TrackedMessage> messages);

    /// <summary>Returns the profile's traits, ids and counters, or null when no message was ever applied.</summary>
    [ReadOnly]
    Task<ProfileSnapshot?> GetSnapshotAsync();

    /// <summary>
    /// Returns up to <paramref name="limit"/> recent events, newest first, that come after
    /// <paramref name="after"/> in that order (from the newest when null).
    /// </summary>
    [ReadOnly]
    Task<EventPage> GetEventsAsync(int limit, EventCursor? after);
}

/// <summary>How many messages of one call were applied and how many were repeats.</summary>
[GenerateSerializer, Immutable, Alias("sendora.ApplyResult")]
public sealed record ApplyResult([property: Id(0)] int Applied, [property: Id(1)] int Duplicates);

/// <summary>A read-only copy of a profile's state for the profile and admin APIs.</summary>
[GenerateSerializer, Immutable, Alias("sendora.ProfileSnapshot")]
public sealed record ProfileSnapshot
{
    [Id(0)] public required string ProfileId { get; init; }

    [Id(1)] public required IReadOnlyDictionary<string, string> Traits { get; init; }

    [Id(2)] public required IReadOnlyList<ExternalId> ExternalIds { get; init; }

    [Id(3)] public required IReadOnlyDictionary<string, EventCounter> Counters { get; init; }

    [Id(4)] public required IReadOnlyList<string> GroupIds { get; init; }

    [Id(5)] public DateTimeOffset? FirstSeen { get; init; }

    [Id(6)] public DateTimeOffset? LastSeen { get; init; }

    [Id(7)] public long AppliedCount { get; init; }

    [Id(8)] public long DuplicateCount { get; init; }

    [Id(9)] public int RecentEventCount { get; init; }
}

/// <summary>A position in a profile's events: the last event of the previous page.</summary>
[GenerateSerializer, Immutable, Alias("sendora.EventCursor")]
public sealed record EventCursor([property: Id(0)] DateTimeOffset Timestamp, [property: Id(1)] string MessageId);

/// <summary>One page of a profile's events, newest first.</summary>
[GenerateSerializer, Immutable, Alias("sendora.EventPage")]
public sealed record EventPage(
    [property: Id(0)] IReadOnlyList<StoredEvent> Events,
    [property: Id(1)] EventCursor? Next);
