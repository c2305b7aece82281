using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sendora.Grains.Audiences;
using Sendora.Grains.Audiences.ComputedTraits;
using Sendora.Grains.Audiences.Language;
using Sendora.Grains.Groups;
using Sendora.Grains.Ingestion;

namespace Sendora.Grains.Profiles;

public sealed partial class ProfileGrain
{
    private const string WindowReminder = "audience-windows";

    // A grain timer this close keeps the profile active until it fires; later ones let it be collected, and the
    // reminder wakes it again.
    private static readonly TimeSpan KeepAliveHorizon = TimeSpan.FromMinutes(5);

    // Grain timers are capped so that a far window is checked again rather than scheduled years ahead.
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromDays(1);

    private static readonly ConcurrentDictionary<string, Condition?> Conditions = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, ComputedTraitDefinition?> TraitDefinitions = new(StringComparer.Ordinal);

    // Bounds of the event history's properties, in UTF-8 bytes, because together with the recent events a
    // profile's state has to fit the 1 MB of one Azure Table entity.
    private const int MaxHistoryValueLength = 256;
    private const int MaxHistoryPropertiesLength = 2_048;
    private const int MaxHistoryLength = 200_000;

    private static readonly byte[] EmptyProperties = "{}"u8.ToArray();

    // The total length of the history's properties in UTF-8 bytes; -1 until counted.
    private long _historyLength = -1;

    // Event names repeat across a workspace's events, so history events share one string per name rather than
    // one copy per event. The pool takes names of at most MaxPooledNameLength characters and is cleared when it
    // reaches MaxPooledNames. So whatever names clients send, it stays under about 3 MB: 10,000 strings of up to
    // 256 bytes, with the dictionary's entries.
    private static readonly ConcurrentDictionary<string, string> EventNames = new(StringComparer.Ordinal);
    private const int MaxPooledNames = 10_000;
    private const int MaxPooledNameLength = 128;

    // Events applied since the last evaluation, which computed traits still have to take in, or null when there
    // are none. The facts of the whole history are built for each evaluation instead and not kept, so that between
    // calls a profile keeps each event once, as the UTF-8 JSON of its state.
    private List<EventFact>? _newFacts;

    // Computed trait states of profiles absorbed since the last evaluation, waiting to be merged.
    private readonly List<Dictionary<string, ComputedTraitState>> _absorbedTraits = [];
    private IGrainTimer? _windowTimer;

    // The window the reminder is to move to with the next state write, and the retry of a registration that failed.
    private DateTimeOffset? _reminderDue;
    private IGrainTimer? _reminderRetryTimer;
    private static readonly TimeSpan ReminderRetryDelay = TimeSpan.FromSeconds(5);

    // Orleans skips the ticks that fell due while no silo ran and fires at the next multiple of the period, so the
    // period bounds how late a window is evaluated after an outage. An evaluation replaces or removes the reminder.
    private static readonly TimeSpan WindowReminderPeriod = TimeSpan.FromMinutes(1);
    private long _groupsCatalogVersion = -1;
    private bool _catalogUsesGroups;

    public async Task<IReadOnlyList<MembershipInfo>> GetMembershipsAsync()
    {
        ThrowIfStale();
        if (State.MergedInto is not null || State.CreatedAt is null)
        {
            return [];
        }

        var catalog = await GetCatalogAsync();
        var audiences = catalog.Audiences.ToDictionary(a => a.Id, StringComparer.Ordinal);
        return [.. State.Audiences.Memberships
            .Where(pair => audiences.TryGetValue(pair.Key, out var audience) && !pair.Value.IsOlderThan(audience))
            .OrderBy(pair => pair.Value.Since)
            .Select(pair => new MembershipInfo(pair.Key, audiences[pair.Key].Name, pair.Value.Since, pair.Value.Version))];
    }

    public async Task<int> EvaluateAsync(long minCatalogVersion)
    {
        ThrowIfStale();
        var state = State;
        if (state.MergedInto is not null || state.CreatedAt is null)
        {
            return 0;
        }

        state.Audiences.CatalogVersion = Math.Max(state.Audiences.CatalogVersion, minCatalogVersion);
        var changes = await EvaluateAudiencesAsync(causeMessageId: null);
        await SaveEvaluationAsync(changes > 0);
        await PublishOutboxAsync();
        return changes;
    }

    public async Task<bool?> MatchesAsync(string conditionJson)
    {
        ThrowIfStale();
        var state = State;
        if (state.MergedInto is not null || state.CreatedAt is null)
        {
            return null;
        }

        var condition = Condition.Parse(conditionJson).Condition
            ?? throw new ArgumentException("The condition is invalid; validate it before estimating.", nameof(conditionJson));
        var catalog = await GetCatalogAsync();
        var groups = UsesGroups(conditionJson) ? await FetchGroupTraitsAsync() : [];
        var now = clock.GetUtcNow();
        return condition.Evaluate(new ProfileFacts(state, EventFacts(), groups, ComputedTraitValue), now).Matches;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == SignalReminder)
        {
            await OnSignalReminderAsync();
            return;
        }

        if (reminderName != WindowReminder)
        {
            return;
        }

        if (State.MergedInto is not null || State.CreatedAt is null)
        {
            // Nothing here is evaluated again, so the reminder would otherwise keep firing every minute.
            await RemoveWindowReminderAsync();
            return;
        }

        // The fired reminder is replaced or removed by the evaluation, as any registered later than the next window is.
        State.Audiences.NextEvaluationAt = DateTimeOffset.MaxValue;
        await EvaluateWindowsAsync();
    }

    /// <summary>
    /// Evaluates every enabled audience of the workspace against this profile and adds a change to the outbox
    /// for each membership that differs. Returns the number of changes; the caller persists them.
    /// </summary>
    private async Task<int> EvaluateAudiencesAsync(string? causeMessageId, AudienceCatalog? catalog = null)
    {
        var state = State;
        var audiences = state.Audiences;
        var now = clock.GetUtcNow();
        catalog ??= await GetCatalogAsync();
        var groups = await GroupTraitsAsync(catalog);
        var events = EventFacts();
        var next = UpdateComputedTraits(catalog, events, now);
        var facts = new ProfileFacts(state, events, groups, ComputedTraitValue);
        var changes = 0;
        var evaluated = 0;

        foreach (var audience in catalog.Audiences.Where(a => a.Enabled))
        {
            if (Parse(audience.ConditionJson) is not { } condition)
            {
                LogInvalidCondition(audience.Id, _workspaceId);
                continue;
            }

            // A membership of a deleted audience with the same id goes without an exit, because that audience took its
            // log and members with it. The profile then enters the new audience like any other.
            var stale = audiences.Memberships.TryGetValue(audience.Id, out var membership) && membership.IsOlderThan(audience);
            if (stale)
            {
                audiences.Memberships.Remove(audience.Id);
            }

            var evaluation = condition.Evaluate(facts, now);
            evaluated++;
            next = Earliest(next, evaluation.NextChangeAt);
            var member = audiences.Memberships.ContainsKey(audience.Id);
            if (evaluation.Matches == member)
            {
                // A dropped membership is still a change of the state to save.
                changes += stale ? 1 : 0;
                continue;
            }

            if (evaluation.Matches)
            {
                audiences.Memberships[audience.Id] = new AudienceMembership(now, audience.Version, catalog.Version);
            }
            else
            {
                audiences.Memberships.Remove(audience.Id);
            }

            AddChange(audience.Id, audience.Version, evaluation.Matches ? MembershipChangeKinds.Enter : MembershipChangeKinds.Exit,
                now, causeMessageId);
            changes++;
        }

        // A deleted audience takes its log and members with it, so its memberships go without an exit.
        var live = catalog.Audiences.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in audiences.Memberships.Keys.Where(id => !live.Contains(id)).ToList())
        {
            audiences.Memberships.Remove(gone);
            changes++;
        }

        audiences.CatalogVersion = catalog.Version;
        SendoraMetrics.RecordAudienceEvaluations(_workspaceId, evaluated);
        await ScheduleWindowCheckAsync(next, now);
        return changes;
    }

    private void AddChange(string audienceId, int version, string kind, DateTimeOffset at, string? causeMessageId)
    {
        var audiences = State.Audiences;
        audiences.ChangeCount++;
        var change = new MembershipChange
        {
            AudienceId = audienceId,
            ProfileId = _profileId,
            Kind = kind,
            ChangeId = $"{_profileId}:{audiences.ChangeCount}",
            At = at,
            ExternalIds = [.. State.ExternalIds.Select(id => string.Concat(id.Type, ":", id.Id))],
            CauseMessageId = causeMessageId,
            AudienceVersion = version,
        };
        audiences.Outbox.Add(change);
        QueueMembershipSignals(change);
        QueueMembershipDestinationEvents(change);
    }

    /// <summary>Exits every audience, for a profile merged into another; the survivor then enters what it matches.</summary>
    private void ExitAllAudiences()
    {
        var audiences = State.Audiences;
        var now = clock.GetUtcNow();
        foreach (var (audienceId, membership) in audiences.Memberships)
        {
            AddChange(audienceId, membership.Version, MembershipChangeKinds.Exit, now, causeMessageId: null);
        }

        audiences.Memberships.Clear();
    }

    /// <summary>
    /// Sends the outbox to the audiences. The changes were persisted with the state that caused them, so a
    /// failure here loses nothing: the outbox is sent again on the next message, window check or activation.
    /// </summary>
    private async Task PublishOutboxAsync()
    {
        ScheduleSignalPublish();
        ScheduleDestinationPublish();
        var outbox = State.Audiences.Outbox;
        if (outbox.Count == 0 || _stale)
        {
            return;
        }

        var batch = outbox.ToList();
        try
        {
            await Task.WhenAll(batch.GroupBy(c => c.AudienceId).Select(group =>
                GrainFactory.Reference<IAudienceGrain>(GrainKeys.Scoped(_workspaceId, group.Key)).AppendAsync([.. group])));
        }
        catch (Exception exception)
        {
            LogPublishFailed(exception, batch.Count, _profileId);
            ScheduleOutboxRetry();
            return;
        }

        outbox.RemoveRange(0, batch.Count);
        try
        {
            await PersistAsync();
        }
        catch (Exception)
        {
            // PersistAsync logged it. The message that caused the changes is saved, and storage still lists the
            // sent changes, so a fresh activation sends them again and the audiences drop them as repeats.
        }
    }

    private void ScheduleOutboxRetry(TimeSpan? delay = null)
    {
        _windowTimer?.Dispose();
        _windowTimer = this.RegisterGrainTimer(
            _ => EvaluateWindowsAsync(),
            new GrainTimerCreationOptions(delay ?? TimeSpan.FromSeconds(5), Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private async Task EvaluateWindowsAsync()
    {
        _windowTimer?.Dispose();
        _windowTimer = null;
        if (_stale)
        {
            return;
        }

        if (State.MergedInto is not null || State.CreatedAt is null)
        {
            // A merged or erased profile evaluates nothing, but still sends the exits that it saved and failed to send.
            await PublishOutboxAsync();
            return;
        }

        await SaveEvaluationAsync(await EvaluateAudiencesAsync(causeMessageId: null) > 0);
        await PublishOutboxAsync();
    }

    /// <summary>Writes the state after an evaluation that changed it, and otherwise moves only the window reminder.</summary>
    private Task SaveEvaluationAsync(bool changed) => changed ? PersistAsync() : SaveWindowReminderAsync();

    private async Task ScheduleWindowCheckAsync(DateTimeOffset? next, DateTimeOffset now)
    {
        _windowTimer?.Dispose();
        _windowTimer = null;
        var audiences = State.Audiences;
        if (next is not { } due)
        {
            _reminderDue = null;
            if (audiences.NextEvaluationAt is not null)
            {
                audiences.NextEvaluationAt = null;
                await RemoveWindowReminderAsync();
            }

            return;
        }

        var delay = due - now;
        delay = TimeSpan.FromTicks(Math.Clamp(delay.Ticks, 0, MaxTimerDelay.Ticks));
        _windowTimer = this.RegisterGrainTimer(
            _ => EvaluateWindowsAsync(),
            new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { KeepAlive = delay <= KeepAliveHorizon });

        // The timer is exact but lives only as long as the activation; the reminder survives deactivation and
        // restarts, firing at most about a minute late. It is moved only when the window comes earlier, beside the
        // next state write (see MoveWindowReminderAsync).
        if ((_reminderDue ?? audiences.NextEvaluationAt) is not { } registered || due < registered)
        {
            _reminderDue = due;
        }
    }

    /// <summary>
    /// Moves the window reminder to the window of the last evaluation, if it came earlier. Returns that window once
    /// the reminder is registered, and null when there was nothing to move or the registration failed.
    /// </summary>
    /// <remarks>
    /// It runs beside the state write rather than before it, which keeps one storage round trip off the path from
    /// an event to its membership change. The caller records the new window in memory after both finish, and the
    /// next write saves it. So the stored state names only windows whose reminder was registered, whichever of the
    /// two fails. A failed registration is retried on a timer that keeps the activation alive until it succeeds.
    /// </remarks>
    private async Task<DateTimeOffset?> MoveWindowReminderAsync()
    {
        if (_reminderDue is not { } due)
        {
            return null;
        }

        _reminderDue = null;
        try
        {
            var delay = due - clock.GetUtcNow();
            await this.RegisterOrUpdateReminder(
                WindowReminder, delay < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : delay, WindowReminderPeriod);
            return due;
        }
        catch (Exception exception)
        {
            LogWindowReminderFailed(exception, _profileId);
            if (_reminderDue is not { } later || due < later)
            {
                _reminderDue = due;
            }

            _reminderRetryTimer?.Dispose();
            _reminderRetryTimer = this.RegisterGrainTimer(
                async _ =>
                {
                    _reminderRetryTimer?.Dispose();
                    _reminderRetryTimer = null;
                    await SaveWindowReminderAsync();
                },
                new GrainTimerCreationOptions(ReminderRetryDelay, Timeout.InfiniteTimeSpan) { KeepAlive = true });
            return null;
        }
    }

    private async Task RemoveWindowReminderAsync()
    {
        if (await this.GetReminder(WindowReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>Moves the window reminder after an evaluation that changed nothing to write.</summary>
    private async Task SaveWindowReminderAsync() => KeepMovedReminder(await MoveWindowReminderAsync());

    private void KeepMovedReminder(DateTimeOffset? moved)
    {
        if (moved is { } due && !_stale)
        {
            State.Audiences.NextEvaluationAt = due;
        }
    }

    private async Task<AudienceCatalog> GetCatalogAsync() => _journeyCatalog =
        await catalogs.GetAsync(_workspaceId, State.Audiences.CatalogVersion);

    private async Task<IReadOnlyList<JsonElement>> GroupTraitsAsync(AudienceCatalog catalog)
    {
        if (_groupsCatalogVersion != catalog.Version)
        {
            _catalogUsesGroups = catalog.Audiences.Any(a => a.Enabled && UsesGroups(a.ConditionJson));
            _groupsCatalogVersion = catalog.Version;
        }

        return _catalogUsesGroups ? await FetchGroupTraitsAsync() : [];
    }

    private async Task<IReadOnlyList<JsonElement>> FetchGroupTraitsAsync()
    {
        if (State.GroupIds.Count == 0)
        {
            return [];
        }

        var groups = await Task.WhenAll(State.GroupIds.Select(id => GrainFactory
            .Reference<IGroupGrain>(GrainKeys.Scoped(_workspaceId, GrainKeys.EncodeValue(id))).GetAsync()));
        return [.. groups.OfType<GroupSnapshot>().Select(ToJson)];
    }

    private static JsonElement ToJson(GroupSnapshot group)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var (name, json) in group.Traits)
            {
                writer.WritePropertyName(name);
                writer.WriteRawValue(json, skipInputValidation: true);
            }

            writer.WriteEndObject();
        }

        using var document = JsonDocument.Parse(stream.ToArray());
        return document.RootElement.Clone();
    }

    // Whether a condition has a "groups" node anywhere, so that profiles fetch group traits only when needed.
    private static bool UsesGroups(string conditionJson)
    {
        using var document = JsonDocument.Parse(conditionJson);
        return HasProperty(document.RootElement, "groups");

        static bool HasProperty(JsonElement element, string name) => element.ValueKind switch
        {
            JsonValueKind.Object => element.EnumerateObject().Any(p => p.Name == name || HasProperty(p.Value, name)),
            JsonValueKind.Array => element.EnumerateArray().Any(e => HasProperty(e, name)),
            _ => false,
        };
    }

    // Definitions are validated when saved, so a parse failure here means an incompatible stored one.
    private static Condition? Parse(string json) => ParseCached(Conditions, json, text => Condition.Parse(text).Condition);

    private static ComputedTraitDefinition? ParseTrait(string json) =>
        ParseCached(TraitDefinitions, json, text => ComputedTraitDefinition.Parse(text).Definition);

    // Every profile of a silo shares the parsed definitions, keyed by their JSON text; the cache is bounded by clearing it.
    private static T? ParseCached<T>(ConcurrentDictionary<string, T?> cache, string json, Func<string, T?> parse)
        where T : class
    {
        if (cache.TryGetValue(json, out var cached))
        {
            return cached;
        }

        var parsed = parse(json);
        if (cache.Count > 10_000)
        {
            cache.Clear();
        }

        cache[json] = parsed;
        return parsed;
    }

    // NOTE: properties are parsed again in each evaluation that reads them. Conditions with a "where" on events that
    // a profile has many of cost more CPU than with parsed copies kept between calls, which cost memory instead.
    private List<EventFact> EventFacts() => [.. State.Audiences.History.Select(ToFact)];

    private static EventFact ToFact(HistoryEvent stored) =>
        new(stored.Type, stored.Name, stored.Timestamp, stored.Properties);

    /// <summary>Adds a track, page or screen message to the history that conditions read.</summary>
    private void AddHistory(TrackedMessage message, StoredEvent stored)
    {
        if (message.Type is not (MessageTypes.Track or MessageTypes.Page or MessageTypes.Screen))
        {
            return;
        }

        InsertHistory(new HistoryEvent(message.MessageId, SharedType(message.Type), SharedName(message.Name), message.Timestamp,
            CompactProperties(stored.Envelope)));
    }

    private void InsertHistory(HistoryEvent stored)
    {
        stored = stored.Compact();
        var history = State.Audiences.History;
        var index = history.Count;
        while (index > 0 && history[index - 1].Timestamp > stored.Timestamp)
        {
            index--;
        }

        history.Insert(index, stored);
        (_newFacts ??= []).Add(ToFact(stored));

        var options = audienceOptions.Value;
        var cutoff = clock.GetUtcNow() - options.EventHistoryRetention;
        _historyLength = _historyLength < 0 ? history.Sum(e => (long)e.PropertiesLength) : _historyLength + stored.PropertiesLength;
        var remove = 0;
        while (remove < history.Count - 1
            && (history.Count - remove > options.EventHistoryLimit || history[remove].Timestamp < cutoff || _historyLength > MaxHistoryLength))
        {
            _historyLength -= history[remove].PropertiesLength;
            remove++;
        }

        if (remove > 0)
        {
            history.RemoveRange(0, remove);
        }
    }

    private void RemoveHistory(HashSet<string> messageIds)
    {
        State.Audiences.History.RemoveAll(e => messageIds.Contains(e.MessageId));
        _historyLength = -1;
    }

    /// <summary>
    /// Returns the top-level properties of a message envelope that conditions can use, as a UTF-8 JSON object:
    /// values of at most <see cref="MaxHistoryValueLength"/> bytes, up to <see cref="MaxHistoryPropertiesLength"/>
    /// in all, so that a profile's state stays within what one storage entity holds.
    /// </summary>
    private static byte[] CompactProperties(ReadOnlyMemory<byte> envelopeJson)
    {
        using var envelope = JsonDocument.Parse(envelopeJson);
        if (!envelope.RootElement.TryGetProperty("properties", out var properties) || properties.ValueKind != JsonValueKind.Object)
        {
            return EmptyProperties;
        }

        var raw = JsonMarshal.GetRawUtf8Value(properties);
        if (raw.Length <= MaxHistoryPropertiesLength)
        {
            return raw.ToArray();
        }

        // NOTE: conditions and computed traits do not see a property dropped here (a long text, a large object).
        var buffer = new ArrayBufferWriter<byte>(MaxHistoryPropertiesLength);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            var length = 2;
            foreach (var property in properties.EnumerateObject())
            {
                var value = JsonMarshal.GetRawUtf8Value(property.Value).Length;
                var name = JsonMarshal.GetRawUtf8PropertyName(property).Length;
                if (value > MaxHistoryValueLength || length + name + value + 4 > MaxHistoryPropertiesLength)
                {
                    continue;
                }

                property.WriteTo(writer);
                length += name + value + 4;
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Returns the properties of a message for journeys, as <see cref="CompactProperties"/> keeps them.</summary>
    private static string CompactPropertiesJson(string envelopeJson) =>
        Encoding.UTF8.GetString(CompactProperties(Encoding.UTF8.GetBytes(envelopeJson)));

    private static HistoryEvent HistoryOf(StoredEvent stored, string type, string? name)
    {
        return new HistoryEvent(stored.MessageId, SharedType(type), SharedName(name), stored.Timestamp, CompactProperties(stored.Envelope));
    }

    /// <summary>
    /// Makes the history's events share the pooled type and name strings, and the messageId strings of the recent
    /// events that are the same messages, which storage reads back as copies.
    /// </summary>
    private void ShareHistoryStrings()
    {
        var state = State;
        var history = state.Audiences.History;
        if (history.Count == 0)
        {
            return;
        }

        var messageIds = new Dictionary<string, string>(state.RecentEvents.Count, StringComparer.Ordinal);
        foreach (var stored in state.RecentEvents)
        {
            if (stored.MessageId is { } id)
            {
                messageIds.TryAdd(id, id);
            }
        }

        for (var i = 0; i < history.Count; i++)
        {
            var item = history[i];
            var (type, name) = (SharedType(item.Type), SharedName(item.Name));
            var messageId = item.MessageId is { } id ? messageIds.GetValueOrDefault(id, id) : null!;
            if (!ReferenceEquals(type, item.Type) || !ReferenceEquals(name, item.Name) || !ReferenceEquals(messageId, item.MessageId))
            {
                history[i] = item with { MessageId = messageId, Type = type, Name = name };
                StoredApartLists.ReplaceStored(history, i, item, history[i]);
            }
        }
    }

    private static string SharedType(string type) => type switch
    {
        MessageTypes.Track => MessageTypes.Track,
        MessageTypes.Page => MessageTypes.Page,
        MessageTypes.Screen => MessageTypes.Screen,
        _ => type,
    };

    private static string SharedName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return string.Empty;
        }

        if (name.Length > MaxPooledNameLength)
        {
            return name;
        }

        if (EventNames.TryGetValue(name, out var shared))
        {
            return shared;
        }

        if (EventNames.Count >= MaxPooledNames)
        {
            EventNames.Clear();
        }

        return EventNames.GetOrAdd(name, name);
    }

    private void MergeHistory(ProfileAudienceState victim)
    {
        var known = State.Audiences.History.Select(e => e.MessageId).ToHashSet(StringComparer.Ordinal);
        foreach (var stored in victim.History.Where(e => !known.Contains(e.MessageId)))
        {
            InsertHistory(stored);
        }

        // The victim's events are in its computed trait states already, which merge into these instead.
        _newFacts = null;
        _absorbedTraits.Add(victim.ComputedTraits);

        // The victim's outbox is its own to send; the survivor takes the events and decides memberships anew.
    }

    /// <summary>
    /// Brings every computed trait of the catalog up to date: takes in new events and absorbed profiles' states,
    /// rebuilds from the event history a trait whose definition changed, drops deleted traits, and stores each
    /// value. Returns the earliest moment a windowed value changes.
    /// </summary>
    private DateTimeOffset? UpdateComputedTraits(AudienceCatalog catalog, IReadOnlyList<EventFact> events, DateTimeOffset now)
    {
        var audiences = State.Audiences;
        DateTimeOffset? next = null;
        var live = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in catalog.ComputedTraits.Where(t => t.Enabled))
        {
            if (ParseTrait(record.DefinitionJson) is not { } definition)
            {
                LogInvalidComputedTrait(record.Key, _workspaceId);
                continue;
            }

            live.Add(record.Key);
            if (audiences.ComputedTraits.TryGetValue(record.Key, out var traitState) && definition.Owns(traitState))
            {
                foreach (var fact in _newFacts ?? [])
                {
                    definition.Apply(traitState, fact, now);
                }

                foreach (var absorbed in _absorbedTraits)
                {
                    if (absorbed.TryGetValue(record.Key, out var other) && definition.Owns(other))
                    {
                        definition.Merge(traitState, other);
                    }
                }
            }
            else
            {
                // New or changed definitions start from the kept history, which already contains the new events
                // and those of absorbed profiles. NOTE: a rebuilt trait sees only the events the history keeps (Sendora:Audiences:EventHistoryLimit).
                traitState = definition.CreateState();
                foreach (var fact in events)
                {
                    definition.Apply(traitState, fact, now);
                }

                audiences.ComputedTraits[record.Key] = traitState;
            }

            var value = definition.Value(traitState, now);
            if (value is { } found)
            {
                audiences.ComputedValues[record.Key] = found.GetRawText();
            }
            else
            {
                audiences.ComputedValues.Remove(record.Key);
            }

            next = Earliest(next, definition.NextChangeAt(traitState, now));
        }

        foreach (var gone in audiences.ComputedTraits.Keys.Where(key => !live.Contains(key)).ToList())
        {
            audiences.ComputedTraits.Remove(gone);
            audiences.ComputedValues.Remove(gone);
        }

        _newFacts = null;
        _absorbedTraits.Clear();
        return next;
    }

    private JsonElement? ComputedTraitValue(string key)
    {
        if (!State.Audiences.ComputedValues.TryGetValue(key, out var json))
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }


    private static DateTimeOffset? Earliest(DateTimeOffset? left, DateTimeOffset? right)
    {
        if (left is null || right is null)
        {
            return left ?? right;
        }

        return left < right ? left : right;
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Skipped audience {AudienceId} of workspace {WorkspaceId}: its stored condition is invalid")]
    private partial void LogInvalidCondition(string audienceId, string workspaceId);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Skipped computed trait {Key} of workspace {WorkspaceId}: its stored definition is invalid")]
    private partial void LogInvalidComputedTrait(string key, string workspaceId);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Failed to register the audience window reminder of profile {ProfileId}; retrying in 5 seconds")]
    private partial void LogWindowReminderFailed(Exception exception, string profileId);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Failed to send {Count} membership changes of profile {ProfileId}; retrying in 5 seconds")]
    private partial void LogPublishFailed(Exception exception, int count, string profileId);
}

/// <summary>One audience a profile is a member of, for the profile API.</summary>
[GenerateSerializer, Immutable, Alias("sendora.MembershipInfo")]
public sealed record MembershipInfo(
    [property: Id(0)] string AudienceId,
    [property: Id(1)] string Name,
    [property: Id(2)] DateTimeOffset Since,
    [property: Id(3)] int Version);
