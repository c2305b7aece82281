using Orleans.Concurrency;
using Sendora.Grains.Inspection;

namespace Sendora.Grains.Audiences;

/// <summary>
/// One audience, keyed <c>{workspaceId}/{audienceId}</c>: the log of its membership changes, numbered by a
/// per-audience sequence, its members (kept in shards) and the watchers of its live stream.
/// </summary>
public interface IAudienceGrain : IGrainWithStringKey, IInspectable
{
    /// <summary>
    /// Records membership changes decided by a profile: drops changes already recorded, numbers the rest,
    /// writes them to the log and the member shards, and publishes them. Returns the last sequence number.
    /// </summary>
    /// <remarks>
    /// Interleaves with every other call, so that appends from many profiles are written as one group while the
    /// previous group is being written. The grain writes one group at a time.
    /// </remarks>
    [AlwaysInterleave]
    Task<long> AppendAsync(IReadOnlyList<MembershipChange> changes);

    /// <summary>Returns up to <paramref name="limit"/> log entries after <paramref name="afterSequence"/>.</summary>
    /// <remarks>
    /// Interleaves with appends, so that a watcher woken by a log write reads the new entries while the shards are
    /// still being written. It returns only entries whose segment write has finished.
    /// </remarks>
    [AlwaysInterleave]
    Task<AudienceLogPage> ReadAsync(long afterSequence, int limit);

    /// <summary>Returns the member count and log position.</summary>
    [ReadOnly]
    Task<AudienceStatus> GetStatusAsync();

    /// <summary>Returns a page of members ordered by shard, then profile id.</summary>
    [ReadOnly]
    Task<MemberPage> GetMembersAsync(MemberCursor? after, int limit);

    /// <summary>Registers a watcher that receives every new sequence number. Renew it within a minute.</summary>
    Task WatchAsync(IAudienceWatcher watcher);

    Task UnwatchAsync(IAudienceWatcher watcher);

    /// <summary>Removes the log and the members, for an audience that was deleted.</summary>
    Task ClearAsync();
}

/// <summary>Receives the newest sequence number of an audience whenever its log grows.</summary>
public interface IAudienceWatcher : IGrainObserver
{
    [OneWay]
    Task LogAdvanced(string audienceKey, long lastSequence);
}

[GenerateSerializer, Immutable, Alias("sendora.AudienceLogPage")]
public sealed record AudienceLogPage(
    [property: Id(0)] IReadOnlyList<AudienceLogEntry> Entries,
    [property: Id(1)] long LastSequence,
    [property: Id(2)] long FirstRetainedSequence);

[GenerateSerializer, Immutable, Alias("sendora.AudienceStatus")]
public sealed record AudienceStatus(
    [property: Id(0)] long Size,
    [property: Id(1)] long LastSequence,
    [property: Id(2)] long Enters,
    [property: Id(3)] long Exits);

/// <summary>One member of an audience: the profile, since when, and its external ids when it entered.</summary>
[GenerateSerializer, Immutable, Alias("sendora.AudienceMember")]
public sealed record AudienceMember(
    [property: Id(0)] string ProfileId,
    [property: Id(1)] DateTimeOffset Since,
    [property: Id(2)] IReadOnlyList<string> ExternalIds);

/// <summary>Where a member page ended: the shard and the last profile id returned in it.</summary>
[GenerateSerializer, Immutable, Alias("sendora.MemberCursor")]
public sealed record MemberCursor([property: Id(0)] int Shard, [property: Id(1)] string? AfterProfileId);

[GenerateSerializer, Immutable, Alias("sendora.MemberPage")]
public sealed record MemberPage(
    [property: Id(0)] IReadOnlyList<AudienceMember> Members,
    [property: Id(1)] MemberCursor? Next);
