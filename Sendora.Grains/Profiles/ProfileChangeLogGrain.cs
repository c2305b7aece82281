namespace Sendora.Grains.Profiles;

/// <summary>Keeps the latest change of each profile of one shard, and an in-memory view of them in sequence order.</summary>
public sealed class ProfileChangeLogGrain(
    [PersistentState("profileChanges", SendoraNames.GrainStorage)] IPersistentState<ProfileChangeLogState> log)
    : Grain, IProfileChangeLogGrain
{
    private readonly SortedDictionary<long, string> _bySequence = [];
    private GroupedWrites<ProfileChange, bool>? _writes;

    // The highest sequence a reader may have taken as its bound. A change at or below it may be exported already,
    // so the profile's next change needs a new sequence. A change above it is still ahead of every reader.
    private long _handedOut;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        foreach (var (profileId, change) in log.State.Changes)
        {
            _bySequence[change.Sequence] = profileId;
        }

        // What readers took before this activation is not known, so everything stored counts as taken.
        _handedOut = log.State.LastSequence;

        // Profiles record themselves after every write, so concurrent records share one storage write.
        _writes = new GroupedWrites<ProfileChange, bool>(WriteAsync);
        return Task.CompletedTask;
    }

    public async Task RecordAsync(string profileId, long version)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        if (log.State.Changes.TryGetValue(profileId, out var recorded))
        {
            if (recorded.Version >= version)
            {
                return;
            }

            if (recorded.Sequence > _handedOut)
            {
                // No reader has reached the stored change yet, and a reader exports the profile as it is when it
                // gets there. So the stored change covers this one, and a busy profile does not rewrite the shard.
                log.State.Changes[profileId] = recorded with { Version = version };
                return;
            }
        }

        await _writes!.AddAsync([new ProfileChange(profileId, 0, version)]);
    }

    public Task<IReadOnlyList<ProfileChange>> ReadAsync(long afterSequence, long upToSequence, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        _handedOut = Math.Max(_handedOut, Math.Min(upToSequence, log.State.LastSequence));
        var page = new List<ProfileChange>(Math.Min(limit, 1_024));
        foreach (var (sequence, profileId) in _bySequence)
        {
            if (sequence <= afterSequence)
            {
                continue;
            }

            if (sequence > upToSequence || page.Count >= limit)
            {
                break;
            }

            page.Add(log.State.Changes[profileId]);
        }

        return Task.FromResult<IReadOnlyList<ProfileChange>>(page);
    }

    public Task<int> CountAsync(long afterSequence, long upToSequence)
    {
        _handedOut = Math.Max(_handedOut, Math.Min(upToSequence, log.State.LastSequence));
        return Task.FromResult(_bySequence.Keys.Count(s => s > afterSequence && s <= upToSequence));
    }

    public Task<long> GetLastSequenceAsync()
    {
        _handedOut = log.State.LastSequence;
        return Task.FromResult(log.State.LastSequence);
    }

    private async Task<bool> WriteAsync(IReadOnlyList<ProfileChange> records)
    {
        var undo = new List<(string ProfileId, ProfileChange? Previous)>();
        var lastSequence = log.State.LastSequence;
        foreach (var record in records)
        {
            var previous = log.State.Changes.GetValueOrDefault(record.ProfileId);
            if (previous is not null && previous.Version >= record.Version)
            {
                continue;
            }

            undo.Add((record.ProfileId, previous));
            log.State.LastSequence++;
            log.State.Changes[record.ProfileId] = record with { Sequence = log.State.LastSequence };
        }

        if (undo.Count == 0)
        {
            return true;
        }

        try
        {
            await log.WriteStateAsync();
        }
        catch
        {
            // In reverse, because a profile recorded twice in one group is listed twice.
            foreach (var (profileId, previous) in Enumerable.Reverse(undo))
            {
                if (previous is null)
                {
                    log.State.Changes.Remove(profileId);
                }
                else
                {
                    log.State.Changes[profileId] = previous;
                }
            }

            log.State.LastSequence = lastSequence;
            throw;
        }

        foreach (var (profileId, previous) in undo)
        {
            if (previous is not null)
            {
                _bySequence.Remove(previous.Sequence);
            }

            _bySequence[log.State.Changes[profileId].Sequence] = profileId;
        }

        return true;
    }
}

[GenerateSerializer, Alias("sendora.ProfileChangeLogState")]
public sealed class ProfileChangeLogState
{
    /// <summary>The latest change of each profile, by profile id.</summary>
    [Id(0)] public Dictionary<string, ProfileChange> Changes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The highest sequence number of a stored change.</summary>
    [Id(1)] public long LastSequence { get; set; }
}
