using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sendora.Grains.Identity;

namespace Sendora.Grains.Profiles;

public sealed partial class ProfileGrain
{
    public Task<ProfileIdentity> GetIdentityAsync()
    {
        ThrowIfStale();
        var state = State;
        return Task.FromResult(new ProfileIdentity(_profileId, state.MergedInto, [.. state.ExternalIds], state.Merges.Count));
    }

    public async Task<AbsorbResult> AbsorbAsync(IReadOnlyList<string> profileIds, string? causeMessageId, IdentityRules rules)
    {
        ArgumentNullException.ThrowIfNull(profileIds);
        ArgumentNullException.ThrowIfNull(rules);
        ThrowIfStale();
        var state = State;
        if (state.MergedInto is { } survivor)
        {
            return new AbsorbResult(0, 0, survivor);
        }

        var absorbed = new List<(string ProfileId, IReadOnlyList<ExternalId> Ids)>();
        var refused = 0;
        foreach (var victimId in profileIds.Where(id => id != _profileId && !HasAbsorbed(id)).Distinct())
        {
            if (state.Merges.Count >= rules.MaxMergesPerProfile || state.ExternalIds.Count >= rules.MaxIdsPerProfile)
            {
                state.RefusedMerges++;
                refused++;
                LogMergeRefused(victimId, _profileId, state.Merges.Count, state.ExternalIds.Count);
                continue;
            }

            // The victim persists its forwarding before it returns, so from here on it sends its calls here.
            var handOver = await GrainFactory.GetGrain<IProfileGrain>(GrainKeys.Scoped(_workspaceId, victimId))
                .HandOverAsync(_profileId);
            if (handOver.State is { } victim)
            {
                Record(state, victimId, victim, causeMessageId, absorbed);
            }
        }

        await FinishMergesAsync(absorbed, changed: absorbed.Count > 0 || refused > 0);
        return new AbsorbResult(absorbed.Count, refused, null);
    }

    public async Task<int> ResumeMergesAsync(IReadOnlyList<string> profileIds)
    {
        ArgumentNullException.ThrowIfNull(profileIds);
        ThrowIfStale();
        var state = State;
        if (state.MergedInto is not null)
        {
            return 0;
        }

        // A victim forwards here once it handed over; if this profile then failed to keep the state
        // (a timed-out reply, a failed write), the victim still holds it and hands it over again.
        var absorbed = new List<(string ProfileId, IReadOnlyList<ExternalId> Ids)>();
        foreach (var victimId in profileIds.Where(id => id != _profileId && !HasAbsorbed(id)).Distinct())
        {
            var handOver = await GrainFactory.GetGrain<IProfileGrain>(GrainKeys.Scoped(_workspaceId, victimId))
                .HandOverAsync(_profileId);
            if (handOver.State is { } victim && handOver.ForwardedTo is null)
            {
                Record(state, victimId, victim, causeMessageId: null, absorbed);
            }
        }

        await FinishMergesAsync(absorbed, changed: absorbed.Count > 0);
        return absorbed.Count;
    }

    private void Record(
        ProfileState state,
        string victimId,
        ProfileState victim,
        string? causeMessageId,
        List<(string ProfileId, IReadOnlyList<ExternalId> Ids)> absorbed)
    {
        Merge(state, victim);
        MergeHistory(victim.Audiences);
        var ids = victim.ExternalIds.Select(id => string.Concat(id.Type, ":", id.Id)).ToList();
        state.Merges.Add(new MergeRecord(DateTimeOffset.UtcNow, victimId, ids, causeMessageId));
        absorbed.Add((victimId, victim.ExternalIds));
        LogMerged(victimId, _profileId, causeMessageId);
    }

    private async Task FinishMergesAsync(List<(string ProfileId, IReadOnlyList<ExternalId> Ids)> absorbed, bool changed)
    {
        if (absorbed.Count > 0)
        {
            await EvaluateAudiencesAsync(causeMessageId: null);
        }

        await SaveEvaluationAsync(changed);

        await PublishOutboxAsync();

        // The survivor persisted first: an id still pointing at a victim reaches this profile through
        // the victim's forwarding, so a crash before these calls loses nothing.
        await Task.WhenAll(absorbed.SelectMany(victim => victim.Ids.Select(id => GrainFactory
            .GetGrain<IIdentityGrain>(GrainKeys.ForExternalId(_workspaceId, id.Type, id.Id))
            .ReassignAsync(victim.ProfileId, _profileId))));
    }

    private bool HasAbsorbed(string profileId) => State.Merges.Exists(m => m.AbsorbedProfileId == profileId);

    public async Task<HandOver> HandOverAsync(string survivorId)
    {
        ArgumentException.ThrowIfNullOrEmpty(survivorId);
        ThrowIfStale();
        var state = State;
        if (state.MergedInto is { } forwardedTo)
        {
            // The same survivor asking again lost the first reply, so it gets the state once more.
            return forwardedTo == survivorId
                ? new HandOver(state.CreatedAt is null ? null : state, null)
                : new HandOver(null, forwardedTo);
        }

        state.MergedInto = survivorId;
        ExitAllAudiences();
        await PersistAsync();
        await PublishOutboxAsync();
        return new HandOver(state.CreatedAt is null ? null : state, null);
    }

    public async Task<SplitResult> SplitAsync(ExternalIdKey id, string newProfileId)
    {
        ThrowIfStale();
        var state = State;
        if (state.MergedInto is { } survivor)
        {
            throw new InvalidOperationException($"Profile '{_profileId}' was merged into '{survivor}'; split that profile.");
        }

        var externalId = state.ExternalIds.Find(e => e.Type == id.Type && e.Id == id.Value)
            ?? throw new KeyNotFoundException($"Profile '{_profileId}' has no external id '{id}'.");
        var key = id.ToString();
        var moved = state.RecentEvents.Where(e => e.ExternalIds.Contains(key)).ToList();
        var movedIds = moved.Select(e => e.MessageId).ToHashSet(StringComparer.Ordinal);

        await GrainFactory.GetGrain<IProfileGrain>(GrainKeys.Scoped(_workspaceId, newProfileId))
            .ReceiveSplitAsync(id, moved, [.. movedIds]);
        state.ExternalIds.Remove(externalId);
        state.RecentEvents.RemoveAll(e => movedIds.Contains(e.MessageId));
        state.AppliedCount = Math.Max(0, state.AppliedCount - moved.Count);
        RemoveHistory(movedIds);
        foreach (var stored in moved)
        {
            var (type, name) = TypeAndName(stored.Envelope);
            if (state.Counters.TryGetValue(EventCounter.KeyOf(type, name), out var counter) && --counter.Count <= 0)
            {
                state.Counters.Remove(EventCounter.KeyOf(type, name));
            }
        }

        await EvaluateAudiencesAsync(causeMessageId: null);
        await PersistAsync();
        await PublishOutboxAsync();
        await GrainFactory.GetGrain<IIdentityGrain>(id.GrainKey(_workspaceId)).AssignAsync(newProfileId);
        LogSplit(id.Type, _profileId, newProfileId, moved.Count);
        return new SplitResult(newProfileId, moved.Count);
    }

    public async Task ReceiveSplitAsync(ExternalIdKey id, IReadOnlyList<StoredEvent> events, IReadOnlyList<string> messageIds)
    {
        ThrowIfStale();
        var state = State;
        var now = DateTimeOffset.UtcNow;
        state.CreatedAt ??= now;
        state.ExternalIds.Add(new ExternalId(id.Type, id.Value, events.FirstOrDefault()?.SourceId ?? string.Empty, now));
        foreach (var stored in events.OrderBy(e => e.Timestamp))
        {
            InsertRecentEvent(state.RecentEvents, stored);
            var (type, name) = TypeAndName(stored.Envelope);
            if (type is "track" or "page" or "screen")
            {
                Count(state, EventCounter.KeyOf(type, name), stored.Timestamp);
                InsertHistory(HistoryOf(stored, type, name));
            }

            if (type == "identify")
            {
                ApplyTraitsFrom(state, stored);
            }

            state.FirstSeen = Min(state.FirstSeen, stored.Timestamp);
            state.LastSeen = Max(state.LastSeen, stored.Timestamp);
            state.AppliedCount++;
        }

        foreach (var messageId in messageIds)
        {
            SeenIds.Add(messageId, now);
        }

        await EvaluateAudiencesAsync(causeMessageId: null);
        await IndexAsync();
        await PersistAsync();
        await PublishOutboxAsync();
    }

    private void Merge(ProfileState state, ProfileState victim)
    {
        foreach (var (name, value) in victim.Traits)
        {
            var victimTime = victim.TraitTimestamps.GetValueOrDefault(name);
            if (!state.Traits.ContainsKey(name) || victimTime > state.TraitTimestamps.GetValueOrDefault(name))
            {
                state.Traits[name] = value;
                state.TraitTimestamps[name] = victimTime;
            }
        }

        foreach (var (key, counter) in victim.Counters)
        {
            if (state.Counters.TryGetValue(key, out var mine))
            {
                mine.Count += counter.Count;
                mine.First = counter.First < mine.First ? counter.First : mine.First;
                mine.Last = counter.Last > mine.Last ? counter.Last : mine.Last;
            }
            else
            {
                state.Counters[key] = counter;
            }
        }

        // A message applied to both profiles before they were known to be one person is kept once. Its counter
        // was summed from both sides, so it loses one count when both still list the event.
        var known = state.RecentEvents.Select(e => e.MessageId).ToHashSet(StringComparer.Ordinal);
        foreach (var stored in victim.RecentEvents)
        {
            if (!known.Contains(stored.MessageId))
            {
                InsertRecentEvent(state.RecentEvents, stored);
                continue;
            }

            var (type, name) = TypeAndName(stored.Envelope);
            if (state.Counters.TryGetValue(EventCounter.KeyOf(type, name), out var counter) && counter.Count > 1)
            {
                counter.Count--;
            }
        }

        var repeated = SeenIds.AddStored(victim);
        foreach (var id in victim.ExternalIds.Where(v => !state.ExternalIds.Exists(e => e.Type == v.Type && e.Id == v.Id)))
        {
            state.ExternalIds.Add(id);
        }

        foreach (var groupId in victim.GroupIds.Where(g => !state.GroupIds.Contains(g)))
        {
            state.GroupIds.Add(groupId);
        }

        state.Merges.InsertRange(0, victim.Merges);

        // A survivor whose own first message has not arrived yet has no creation time. It takes the victim's,
        // because a profile without one hands over nothing when it is merged in turn.
        if (victim.CreatedAt is { } victimCreatedAt)
        {
            state.CreatedAt = Min(state.CreatedAt, victimCreatedAt);
        }

        state.FirstSeen = victim.FirstSeen is { } first ? Min(state.FirstSeen, first) : state.FirstSeen;
        state.LastSeen = victim.LastSeen is { } last ? Max(state.LastSeen, last) : state.LastSeen;
        state.AppliedCount += Math.Max(0, victim.AppliedCount - repeated);
        state.DuplicateCount += victim.DuplicateCount + repeated;
        state.RefusedMerges += victim.RefusedMerges;
    }

    private static void ApplyTraitsFrom(ProfileState state, StoredEvent stored)
    {
        using var envelope = JsonDocument.Parse(stored.Envelope);
        if (!envelope.RootElement.TryGetProperty("traits", out var traits) || traits.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        foreach (var trait in traits.EnumerateObject())
        {
            var name = trait.Name;
            state.Traits[name] = trait.Value.GetRawText();
            state.TraitTimestamps[name] = stored.Timestamp;
        }
    }

    private static (string Type, string? Name) TypeAndName(ReadOnlyMemory<byte> json)
    {
        using var envelope = JsonDocument.Parse(json);
        var root = envelope.RootElement;
        var type = root.GetProperty("type").GetString() ?? string.Empty;
        var nameField = type == "track" ? "event" : "name";
        var name = root.TryGetProperty(nameField, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
        return (type, name);
    }

    private ProfileSnapshot ForwardingSnapshot(string survivor) => new()
    {
        ProfileId = _profileId,
        Traits = new Dictionary<string, string>(),
        ExternalIds = [],
        Counters = new Dictionary<string, EventCounter>(),
        GroupIds = [],
        MergedInto = survivor,
    };

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Merged profile {VictimId} into {SurvivorId} because of message {MessageId}")]
    private partial void LogMerged(string victimId, string survivorId, string? messageId);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Refused to merge profile {VictimId} into {SurvivorId}, which has {MergeCount} merges and {IdCount} ids")]
    private partial void LogMergeRefused(string victimId, string survivorId, int mergeCount, int idCount);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Split an id of type {IdType} off profile {ProfileId} into {NewProfileId} with {EventCount} events")]
    private partial void LogSplit(string idType, string profileId, string newProfileId, int eventCount);
}
