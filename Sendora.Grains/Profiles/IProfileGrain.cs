using Orleans.Concurrency;
using Sendora.Grains.Identity;
using Sendora.Grains.Ingestion;
using Sendora.Grains.Inspection;

namespace Sendora.Grains.Profiles;

/// <summary>
/// One person in one workspace, keyed <c>{workspaceId}/{profileId}</c>. It applies that person's
/// messages and is the only writer of their traits, counters and recent events.
/// </summary>
public interface IProfileGrain : IGrainWithStringKey, IInspectable
{
    /// <summary>
    /// Applies <paramref name="messages"/> in order, dropping any whose messageId was applied within
    /// the deduplication window, and returns only after the new state is persisted. A merged profile
    /// applies nothing and returns its survivor in <see cref="ApplyResult.ForwardedTo"/>: it never calls
    /// the survivor itself, because the survivor may be calling it during the merge. When a message is
    /// <see cref="TrackedMessage.RoutedByKnownOwner"/> and this profile does not list all its ids, or a regulation
    /// erased the profile, nothing is applied and <see cref="ApplyResult.NotOwner"/> is set.
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

    /// <summary>Returns what identity resolution needs: the profile's ids, merge count and forwarding.</summary>
    [ReadOnly]
    Task<ProfileIdentity> GetIdentityAsync();

    /// <summary>
    /// Merges the profiles <paramref name="profileIds"/> into this one within the caps of
    /// <paramref name="rules"/>, moves their external ids here and returns how many merged.
    /// </summary>
    Task<AbsorbResult> AbsorbAsync(IReadOnlyList<string> profileIds, string? causeMessageId, IdentityRules rules);

    /// <summary>
    /// Completes the merges of <paramref name="profileIds"/>, profiles that already forward here but whose
    /// state this profile may not hold, whatever the caps. Returns how many it absorbed now.
    /// </summary>
    Task<int> ResumeMergesAsync(IReadOnlyList<string> profileIds);

    /// <summary>
    /// Hands this profile's state to <paramref name="survivorId"/> and forwards every later call there.
    /// Returns null state when there is nothing to hand over.
    /// </summary>
    Task<HandOver> HandOverAsync(string survivorId);

    /// <summary>
    /// Moves <paramref name="id"/> and the events that carried it to a new profile
    /// <paramref name="newProfileId"/>, and points the id there.
    /// </summary>
    Task<SplitResult> SplitAsync(ExternalIdKey id, string newProfileId);

    /// <summary>Builds this new profile from the events a split moved here.</summary>
    Task ReceiveSplitAsync(ExternalIdKey id, IReadOnlyList<StoredEvent> events, IReadOnlyList<string> messageIds);

    /// <summary>Returns the audiences the profile is a member of, oldest membership first; empty when merged.</summary>
    Task<IReadOnlyList<MembershipInfo>> GetMembershipsAsync();

    /// <summary>
    /// Evaluates every audience against the profile with a catalog at least as new as <paramref name="minCatalogVersion"/>,
    /// as a backfill does, and returns the number of membership changes.
    /// </summary>
    Task<int> EvaluateAsync(long minCatalogVersion);

    /// <summary>
    /// Returns whether the profile matches a condition that is not saved, without changing the profile; null for
    /// a merged or empty profile. Estimates of an audience's size use it.
    /// </summary>
    [ReadOnly]
    Task<bool?> MatchesAsync(string conditionJson);

    /// <summary>
    /// Evaluates the audience <paramref name="audienceId"/>, or every audience of the workspace when null, against
    /// the profile as it is now and returns each condition's result, without changing the profile.
    /// </summary>
    [ReadOnly]
    Task<ProfileExplanation> ExplainAudiencesAsync(string? audienceId);

    /// <summary>
    /// Removes <paramref name="id"/> from this profile's external ids when its Identity grain now points at
    /// a profile that this one has not absorbed, as after a device id moved to a later login. The events
    /// that carried the id stay here. Returns the survivor when this profile was merged, for the caller
    /// to ask there instead, and null otherwise.
    /// </summary>
    Task<string?> ForgetMovedIdAsync(ExternalIdKey id);

    /// <summary>
    /// Removes push tokens that the push provider reported as unregistered, so that no later push goes to them.
    /// A message that carries a token again adds it back. Returns the survivor when this profile was merged.
    /// </summary>
    Task<string?> RemovePushTokensAsync(IReadOnlyList<ExternalIdKey> tokens);

    /// <summary>
    /// Returns what a data sync exports of the profile: its ids, traits, computed traits, memberships and recent
    /// events, or only <see cref="ProfileSyncRecord.Exists"/> false for a merged or empty profile.
    /// </summary>
    [ReadOnly]
    Task<ProfileSyncRecord> GetSyncRecordAsync();

    /// <summary>
    /// Erases the profile's data: exits its audiences, then replaces its state with an empty one that applies no
    /// more messages. A profile merged into another returns where it forwards to and erases nothing, unless
    /// <paramref name="absorbedBy"/> names the profile being erased that absorbed it. Until
    /// <see cref="CompleteErasureAsync"/>, erasing again returns the same ids, so that a caller stopped by a crash can
    /// clean up after a retry.
    /// </summary>
    Task<EraseResult> EraseAsync(string? absorbedBy);

    /// <summary>Forgets the ids that <see cref="EraseAsync"/> returned, once the caller released them.</summary>
    Task CompleteErasureAsync();
}

/// <summary>
/// What an erasure removed: the profile's external ids, whose Identity grains the caller releases, the profiles it
/// had absorbed, which hold their own copies, its groups and the journeys it followed.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.EraseResult")]
public sealed record EraseResult
{
    [Id(0)] public bool Erased { get; init; }

    /// <summary>The profile that a merged profile forwards to, which the caller erases instead.</summary>
    [Id(1)] public string? ForwardedTo { get; init; }

    [Id(2)] public IReadOnlyList<ExternalId> ExternalIds { get; init; } = [];

    [Id(3)] public IReadOnlyList<string> AbsorbedProfileIds { get; init; } = [];

    [Id(4)] public IReadOnlyList<string> GroupIds { get; init; } = [];

    /// <summary>
    /// The journeys the profile followed or had signals queued for, whose run grains may still receive a signal it sent
    /// before the erasure.
    /// </summary>
    [Id(5)] public IReadOnlyList<string> JourneyIds { get; init; } = [];
}

/// <summary>The ids of a profile and where it forwards, for identity resolution.</summary>
[GenerateSerializer, Immutable, Alias("sendora.ProfileIdentity")]
public sealed record ProfileIdentity(
    [property: Id(0)] string ProfileId,
    [property: Id(1)] string? MergedInto,
    [property: Id(2)] IReadOnlyList<ExternalId> ExternalIds,
    [property: Id(3)] int MergeCount);

/// <summary>How many profiles a merge absorbed and refused, and where the survivor forwards, if anywhere.</summary>
[GenerateSerializer, Immutable, Alias("sendora.AbsorbResult")]
public sealed record AbsorbResult(
    [property: Id(0)] int Absorbed,
    [property: Id(1)] int Refused,
    [property: Id(2)] string? ForwardedTo);

/// <summary>The state a merged profile hands to its survivor, or where it already forwards.</summary>
[GenerateSerializer, Immutable, Alias("sendora.HandOver")]
public sealed record HandOver([property: Id(0)] ProfileState? State, [property: Id(1)] string? ForwardedTo);

/// <summary>The outcome of a split: how many events moved to the new profile.</summary>
[GenerateSerializer, Immutable, Alias("sendora.SplitResult")]
public sealed record SplitResult([property: Id(0)] string NewProfileId, [property: Id(1)] int MovedEvents);

/// <summary>
/// How many messages of one call were applied and how many were repeats, or, when the profile was
/// merged into another, the survivor the caller must send the messages to instead.
/// </summary>
[GenerateSerializer, Immutable, Alias("sendora.ApplyResult")]
public sealed record ApplyResult([property: Id(0)] int Applied, [property: Id(1)] int Duplicates)
{
    [Id(2)] public string? ForwardedTo { get; init; }

    /// <summary>
    /// True when a message that the gateway routed by its record of id owners carried an id this profile does not
    /// list, or the profile was merged, never created or erased. Nothing was applied, and the caller resolves the
    /// messages again.
    /// </summary>
    [Id(3)] public bool NotOwner { get; init; }

    /// <summary>
    /// Set when none of the messages was applied because the profile's state with them would exceed what storage
    /// takes in one record: why, for the gateway to reject each message with. Sending them again fails the same way.
    /// </summary>
    [Id(4)] public string? TooLarge { get; init; }
}

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

    /// <summary>The merges this profile absorbed, oldest first.</summary>
    [Id(10)] public IReadOnlyList<MergeRecord> Merges { get; init; } = [];

    [Id(11)] public long RefusedMerges { get; init; }

    /// <summary>The profile this one was merged into; when set, the other members are empty.</summary>
    [Id(12)] public string? MergedInto { get; init; }
}

/// <summary>A position in a profile's events: the last event of the previous page.</summary>
[GenerateSerializer, Immutable, Alias("sendora.EventCursor")]
public sealed record EventCursor([property: Id(0)] DateTimeOffset Timestamp, [property: Id(1)] string MessageId);

/// <summary>One page of a profile's events, newest first.</summary>
[GenerateSerializer, Immutable, Alias("sendora.EventPage")]
public sealed record EventPage(
    [property: Id(0)] IReadOnlyList<StoredEvent> Events,
    [property: Id(1)] EventCursor? Next);
