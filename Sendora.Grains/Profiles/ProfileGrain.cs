using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Serialization;
using Sendora.Grains.Audiences;
using Sendora.Grains.Identity;
using Sendora.Grains.Ingestion;

namespace Sendora.Grains.Profiles;

/// <summary>
/// Applies a person's messages: deduplicates by messageId, sets traits the way Segment's identify
/// does, keeps counters and recent events, and claims the person's external ids.
/// </summary>
public sealed partial class ProfileGrain(
    [PersistentState("profile", SendoraNames.GrainStorage)] IPersistentState<ProfileState> profile,
    IOptions<ProfileOptions> options,
    IOptions<AudienceOptions> audienceOptions,
    AudienceCatalogCache catalogs,
    TimeProvider clock,
    Serializer<ProfileState> stateSerializer,
    ILogger<ProfileGrain> logger) : Grain, IProfileGrain, IRemindable
{
    private readonly ProfileOptions _options = options.Value;
    private SeenMessageIds _seenMessageIds = new();
    private string _workspaceId = string.Empty;
    private string _profileId = string.Empty;

    // Set when a write failed: the memory then holds changes that storage lacks, so this
    // activation serves no more calls until Orleans replaces it with one that reloads the state.
    private bool _stale;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_workspaceId, _profileId) = GrainKeys.Split(this.GetPrimaryKeyString());
        _seenMessageIds = SeenMessageIds.From(State);

        State.CompactLegacyEvents();
        ShareHistoryStrings();

        // Changes saved before a crash, and windows due while the profile was inactive, are handled at once.
        if (State.Audiences.Outbox.Count > 0 || State.Audiences.NextEvaluationAt <= clock.GetUtcNow())
        {
            ScheduleOutboxRetry(TimeSpan.Zero);
        }

        ScheduleSignalPublish();
        ScheduleDestinationPublish();
        ScheduleChangeRecord(TimeSpan.Zero);

        return Task.CompletedTask;
    }

    public async Task<ApplyResult> ApplyAsync(IReadOnlyList<TrackedMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        ThrowIfStale();
        if (State.ErasedAt is not null)
        {
            await ReleaseIdsOfResolvedMessagesAsync(messages);
            return new ApplyResult(0, 0) { NotOwner = true };
        }

        if (!HoldsIdsOfRoutedMessages(messages))
        {
            return new ApplyResult(0, 0) { NotOwner = true };
        }

        if (State.MergedInto is { } survivor)
        {
            return new ApplyResult(0, 0) { ForwardedTo = survivor };
        }

        var state = State;
        var applied = 0;
        var duplicates = 0;
        var newIds = new List<(ExternalId Id, DateTimeOffset MessageTimestamp)>();
        string? lastApplied = null;
        var appliedMessages = new List<TrackedMessage>(messages.Count);

        foreach (var message in messages)
        {
            ForgetExpiredMessageIds(message.ReceivedAt);

            // Adding remembers the id, and fails for one applied within the window.
            if (!SeenIds.Add(message.MessageId, message.ReceivedAt))
            {
                duplicates++;
                LogDuplicate(message.MessageId, _profileId);
                continue;
            }

            var stored = Apply(state, message, newIds);
            AddHistory(message, stored);
            appliedMessages.Add(message);
            lastApplied = message.MessageId;
            applied++;
        }

        state.DuplicateCount += duplicates;
        if (applied == 0 && duplicates == 0)
        {
            return new ApplyResult(0, 0);
        }

        await ClaimExternalIdsAsync(newIds);
        if (applied > 0)
        {
            // The journey signals read the catalog first, and the evaluation reuses it rather than fetching it again.
            await QueueEventSignalsAsync(appliedMessages);
            QueueDestinationMessages(appliedMessages);
            await EvaluateAudiencesAsync(lastApplied, _journeyCatalog);
        }

        await IndexAsync();
        try
        {
            await WriteAsync();
        }
        catch (Exception exception) when (StateTooLarge.Matches(exception))
        {
            // WriteAsync has marked the activation stale, so the next call reloads the state stored before these
            // messages, and a smaller message can still be applied.
            LogStateTooLarge(_profileId, appliedMessages.Count);
            return new ApplyResult(0, 0) { TooLarge = TooLargeMessage };
        }

        // The change log and the audiences both learn of a state that is already saved, so neither waits for the other.
        await Task.WhenAll(RecordChangeAsync(), PublishOutboxAsync());
        return new ApplyResult(applied, duplicates);
    }

    public Task<ProfileSnapshot?> GetSnapshotAsync()
    {
        ThrowIfStale();
        var state = State;
        if (state.MergedInto is { } survivor)
        {
            return Task.FromResult<ProfileSnapshot?>(ForwardingSnapshot(survivor));
        }

        if (state.CreatedAt is null)
        {
            return Task.FromResult<ProfileSnapshot?>(null);
        }

        return Task.FromResult<ProfileSnapshot?>(new ProfileSnapshot
        {
            ProfileId = _profileId,
            Traits = TraitsWithComputed(state),
            ExternalIds = [.. state.ExternalIds],
            Counters = state.Counters.ToDictionary(
                pair => pair.Key,
                pair => new EventCounter { Count = pair.Value.Count, First = pair.Value.First, Last = pair.Value.Last },
                StringComparer.Ordinal),
            GroupIds = [.. state.GroupIds],
            FirstSeen = state.FirstSeen,
            LastSeen = state.LastSeen,
            AppliedCount = state.AppliedCount,
            DuplicateCount = state.DuplicateCount,
            RecentEventCount = state.RecentEvents.Count,
            Merges = [.. state.Merges],
            RefusedMerges = state.RefusedMerges,
        });
    }

    public Task<EventPage> GetEventsAsync(int limit, EventCursor? after)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        ThrowIfStale();
        if (State.MergedInto is not null)
        {
            // Callers follow the survivor from the snapshot; a merge that lands between the two calls
            // shows an empty page rather than a call into a survivor that may be calling this profile.
            return Task.FromResult(new EventPage([], null));
        }
        var events = State.RecentEvents;
        var start = events.Count - 1;
        if (after is not null)
        {
            // Events are sorted oldest first, so the page starts at the first event before the cursor.
            while (start >= 0 && CompareToCursor(events[start], after) >= 0)
            {
                start--;
            }
        }

        var page = new List<StoredEvent>(Math.Min(limit, start + 1));
        for (var i = start; i >= 0 && page.Count < limit; i--)
        {
            page.Add(events[i]);
        }

        var hasMore = start - page.Count >= 0;
        var next = hasMore && page.Count > 0 ? new EventCursor(page[^1].Timestamp, page[^1].MessageId) : null;
        return Task.FromResult(new EventPage(page, next));
    }

    // Computed traits are served as traits, and win over a custom trait of the same name.
    private static Dictionary<string, string> TraitsWithComputed(ProfileState state)
    {
        var traits = new Dictionary<string, string>(state.Traits, StringComparer.Ordinal);
        foreach (var (key, json) in state.Audiences.ComputedValues)
        {
            traits[key] = json;
        }

        return traits;
    }

    private StoredEvent Apply(ProfileState state, TrackedMessage message, List<(ExternalId Id, DateTimeOffset MessageTimestamp)> newIds)
    {
        state.CreatedAt ??= message.ReceivedAt;
        state.AppliedCount++;
        state.FirstSeen = Min(state.FirstSeen, message.Timestamp);
        state.LastSeen = Max(state.LastSeen, message.Timestamp);

        foreach (var id in IdsOf(message))
        {
            AddExternalId(state, id.Type, id.Value, message, newIds);
        }

        switch (message.Type)
        {
            case MessageTypes.Identify:
                SetTraits(state, message);
                break;
            case MessageTypes.Track or MessageTypes.Page or MessageTypes.Screen:
                Count(state, EventCounter.KeyOf(message.Type, message.Name), message.Timestamp);
                break;
            case MessageTypes.Group when message.GroupId is not null:
                if (!state.GroupIds.Contains(message.GroupId) && state.GroupIds.Count < _options.MaxGroupIds)
                {
                    state.GroupIds.Add(message.GroupId);
                }

                break;
        }

        var stored = new StoredEvent(message.MessageId, message.Timestamp, message.SourceId, message.Json)
        {
            ExternalIds = StoredIdsOf(state.RecentEvents, message),
        };
        AddRecentEvent(state, stored);
        return stored;
    }

    // A person's events mostly carry the same ids, so an event shares the immutable list of the newest
    // stored event when it matches, instead of holding its own copy of the same strings.
    private static IReadOnlyList<string> StoredIdsOf(List<StoredEvent> events, TrackedMessage message)
    {
        var ids = IdsOf(message);
        if (events.Count > 0 && SameIds(events[^1].ExternalIds, ids))
        {
            return events[^1].ExternalIds;
        }

        // A List, because Orleans' serializer (10.4) creates a codec by reflection on every state write for the
        // read-only list types that collection expressions produce.
        return ids.Select(id => id.ToString()).ToList();
    }

    private static bool SameIds(IReadOnlyList<string> stored, IReadOnlyList<ExternalIdKey> ids)
    {
        if (stored.Count != ids.Count)
        {
            return false;
        }

        for (var i = 0; i < ids.Count; i++)
        {
            var (type, value) = (ids[i].Type, ids[i].Value);
            var text = stored[i].AsSpan();
            if (text.Length != type.Length + 1 + value.Length
                || !text.StartsWith(type, StringComparison.Ordinal)
                || text[type.Length] != ':'
                || !text.EndsWith(value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    // Messages built before identity resolution ran carry no ids; their userId and anonymousId stand in.
    private static IReadOnlyList<ExternalIdKey> IdsOf(TrackedMessage message)
    {
        if (message.ExternalIds.Count > 0)
        {
            return message.ExternalIds;
        }

        var ids = new List<ExternalIdKey>(2);
        if (message.UserId is not null)
        {
            ids.Add(new ExternalIdKey("user_id", message.UserId));
        }

        if (message.AnonymousId is not null)
        {
            ids.Add(new ExternalIdKey("anonymous_id", message.AnonymousId));
        }

        return ids;
    }

    private static void SetTraits(ProfileState state, TrackedMessage message)
    {
        if (message.TraitsJson is null)
        {
            return;
        }

        // Segment's identify replaces each top-level trait it names: a nested object replaces the
        // old value of its key instead of merging into it, and null is stored as null.
        using var traits = JsonDocument.Parse(message.TraitsJson);
        foreach (var trait in traits.RootElement.EnumerateObject())
        {
            // Both maps share one string for the name, because each read of JsonProperty.Name allocates a new one.
            var name = trait.Name;
            state.Traits[name] = trait.Value.GetRawText();
            state.TraitTimestamps[name] = message.Timestamp;
        }
    }

    private static void Count(ProfileState state, string key, DateTimeOffset timestamp)
    {
        if (!state.Counters.TryGetValue(key, out var counter))
        {
            state.Counters[key] = new EventCounter { Count = 1, First = timestamp, Last = timestamp };
            return;
        }

        counter.Count++;
        counter.First = timestamp < counter.First ? timestamp : counter.First;
        counter.Last = timestamp > counter.Last ? timestamp : counter.Last;
    }

    private void AddRecentEvent(ProfileState state, StoredEvent stored) => InsertRecentEvent(state.RecentEvents, stored);

    private void InsertRecentEvent(List<StoredEvent> events, StoredEvent stored)
    {
        stored = stored.Compact();
        var index = events.Count;
        while (index > 0 && Compare(events[index - 1], stored) > 0)
        {
            index--;
        }

        events.Insert(index, stored);
        if (events.Count > _options.RecentEventLimit)
        {
            events.RemoveRange(0, events.Count - _options.RecentEventLimit);
        }

        // A profile's state is one Azure Table entity of at most 1 MB, so large events also push out old ones.
        var length = events.Sum(e => (long)e.EnvelopeLength);
        var remove = 0;
        while (length > MaxRecentEventsLength && remove < events.Count - 1)
        {
            length -= events[remove].EnvelopeLength;
            remove++;
        }

        events.RemoveRange(0, remove);
    }

    /// <summary>The most UTF-8 bytes of JSON the recent events keep together; the newest event is always kept.</summary>
    private const long MaxRecentEventsLength = 600_000;

    // A message that the gateway routed by its own record of id owners lands only on a live profile that
    // still lists every id it carries. Otherwise the gateway resolves it again through the Identity grains.
    private bool HoldsIdsOfRoutedMessages(IReadOnlyList<TrackedMessage> messages)
    {
        var state = State;
        foreach (var message in messages)
        {
            if (!message.RoutedByKnownOwner)
            {
                continue;
            }

            if (state.MergedInto is not null || state.CreatedAt is null || message.ExternalIds.Count == 0)
            {
                return false;
            }

            foreach (var id in message.ExternalIds)
            {
                if (!state.ExternalIds.Exists(e => e.Type == id.Type && e.Id == id.Value))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static void AddExternalId(
        ProfileState state,
        string type,
        string? id,
        TrackedMessage message,
        List<(ExternalId Id, DateTimeOffset MessageTimestamp)> newIds)
    {
        if (id is null || state.ExternalIds.Exists(e => e.Type == type && e.Id == id))
        {
            return;
        }

        var externalId = new ExternalId(type, id, message.SourceId, message.ReceivedAt);
        state.ExternalIds.Add(externalId);
        newIds.Add((externalId, message.Timestamp));
    }

    private async Task ClaimExternalIdsAsync(List<(ExternalId Id, DateTimeOffset MessageTimestamp)> newIds)
    {
        if (newIds.Count == 0)
        {
            return;
        }

        var claims = newIds.Select(pair => GrainFactory
            .Reference<IIdentityGrain>(GrainKeys.ForExternalId(_workspaceId, pair.Id.Type, pair.Id.Id))
            .ClaimAsync(_profileId, pair.MessageTimestamp));
        var owners = await Task.WhenAll(claims);
        for (var i = 0; i < owners.Length; i++)
        {
            if (owners[i] == _profileId || HasAbsorbed(owners[i]))
            {
                continue;
            }

            LogIdClaimedElsewhere(newIds[i].Id.Type, _profileId, owners[i]);
            var identity = GrainFactory.Reference<IIdentityGrain>(
                GrainKeys.ForExternalId(_workspaceId, newIds[i].Id.Type, newIds[i].Id.Id));
            if (await identity.HasMovedAsync())
            {
                // A device id moved to a later login after this message was resolved, so the profile stops
                // listing it, though the event keeps it. Ids that never moved stay listed, because their owner
                // may be a profile that was merged into this one before its first message was applied.
                State.ExternalIds.Remove(newIds[i].Id);
            }
        }
    }

    // Listed before the first write, and the flag saved with it. A write that then fails leaves an index entry
    // for a profile that storage lacks, which backfills skip as empty.
    private async Task IndexAsync()
    {
        if (State.Indexed || State.CreatedAt is null)
        {
            return;
        }

        await GrainFactory.Reference<IProfileIndexGrain>(IProfileIndexGrain.KeyFor(_workspaceId, _profileId)).AddAsync(_profileId);
        State.Indexed = true;
    }

    private void ForgetExpiredMessageIds(DateTimeOffset now) =>
        SeenIds.Forget(now - _options.DeduplicationWindow, _options.MaxRememberedMessageIds);

    private async Task PersistAsync()
    {
        await WriteAsync();
        await RecordChangeAsync();
    }

    /// <summary>Saves the state and moves the window reminder beside it. The caller records the change in the change log.</summary>
    private async Task WriteAsync()
    {
        var reminder = Task.FromResult<DateTimeOffset?>(null);
        try
        {
            await EnsureSignalReminderAsync();
            SeenIds.SaveTo(State);
            State.ChangeVersion++;
            var write = profile.WriteStateAsync();
            reminder = MoveWindowReminderAsync();
            await write;
        }
        catch (Exception exception)
        {
            // The in-memory state now differs from storage; a fresh activation reloads what was saved.
            LogPersistFailed(exception, _profileId);
            _stale = true;
            DeactivateOnIdle();
            await reminder;
            throw;
        }

        KeepMovedReminder(await reminder);
    }

    private void ThrowIfStale()
    {
        if (_stale)
        {
            throw new ProfileUnavailableException(
                $"Profile '{_profileId}' failed to persist and is being reloaded; retry the request.");
        }
    }

    private static int Compare(StoredEvent left, StoredEvent right)
    {
        var byTime = left.Timestamp.CompareTo(right.Timestamp);
        return byTime != 0 ? byTime : string.CompareOrdinal(left.MessageId, right.MessageId);
    }

    private static int CompareToCursor(StoredEvent stored, EventCursor cursor)
    {
        var byTime = stored.Timestamp.CompareTo(cursor.Timestamp);
        return byTime != 0 ? byTime : string.CompareOrdinal(stored.MessageId, cursor.MessageId);
    }

    private static DateTimeOffset Min(DateTimeOffset? current, DateTimeOffset value) =>
        current is { } c && c <= value ? c : value;

    private static DateTimeOffset Max(DateTimeOffset? current, DateTimeOffset value) =>
        current is { } c && c >= value ? c : value;

    [LoggerMessage(Level = LogLevel.Trace, Message = "Dropped duplicate message {MessageId} for profile {ProfileId}")]
    private partial void LogDuplicate(string messageId, string profileId);

    [LoggerMessage(Level = LogLevel.Debug,
        Message = "External id of type {IdType} seen on profile {ProfileId} already belongs to profile {OwnerId}")]
    private partial void LogIdClaimedElsewhere(string idType, string profileId, string ownerId);

    private const string TooLargeMessage =
        "The message was not applied: with it, the profile's stored state would exceed the storage's limit for one "
        + "record, 1,048,576 bytes (1 MiB) on Azure Table storage. The profile holds too many traits, event names or "
        + "external ids. Smaller messages for it are still applied.";

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Rejected {MessageCount} messages for profile {ProfileId}: its state would exceed the storage's record size")]
    private partial void LogStateTooLarge(string profileId, int messageCount);

    [LoggerMessage(Level = LogLevel.Error, Message = "Failed to persist profile {ProfileId}; deactivating")]
    private partial void LogPersistFailed(Exception exception, string profileId);
}
