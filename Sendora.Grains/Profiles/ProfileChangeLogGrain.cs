using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Sendora.Grains.Profiles;

/// <summary>Keeps the latest change of each profile of one shard, and an in-memory view of them in sequence order.</summary>
public sealed class ProfileChangeLogGrain(
    [PersistentState("profileChanges", SendoraNames.GrainStorage)] IPersistentState<ProfileChangeLogState> log)
    : Grain, IProfileChangeLogGrain
{
    // Records per shard, as in the profile index: a new profile writes one bucket, not the whole shard.
    public const int BucketCount = 32;

    private readonly SortedDictionary<long, string> _bySequence = [];
    private StateBuckets<ProfileChangeLogState>? _buckets;
    private GroupedWrites<ProfileChange, bool>? _writes;

    // The highest sequence of a stored change, in the grain's own record or any bucket.
    private long _lastSequence;

    // The highest sequence a reader may have taken as its bound. A change at or below it may be exported already,
    // so the profile's next change needs a new sequence. A change above it is still ahead of every reader.
    private long _handedOut;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var storage = ServiceProvider.GetRequiredKeyedService<IGrainStorage>(SendoraNames.GrainStorage);
        _buckets = new StateBuckets<ProfileChangeLogState>(storage, "profileChanges", this.GetGrainId(), BucketCount);
        await _buckets.ReadAsync(log.State.WrittenBuckets);

        _lastSequence = log.State.LastSequence;
        for (var i = 0; i < BucketCount; i++)
        {
            _lastSequence = Math.Max(_lastSequence, _buckets[i].LastSequence);
            foreach (var change in _buckets[i].Changes.Values)
            {
                _bySequence[change.Sequence] = change.ProfileId;
            }
        }

        // Changes stored before the shard had buckets stay in the grain's own record, which is read but not
        // written. Each moves into its bucket in memory, unless the bucket has a later one, and is stored there
        // when that bucket is next written.
        foreach (var change in log.State.Changes.Values)
        {
            KeepIfNewer(change);
        }

        // What readers took before this activation is not known, so everything stored counts as taken.
        _handedOut = _lastSequence;

        // Profiles record themselves after every write, so concurrent records share one storage write.
        _writes = new GroupedWrites<ProfileChange, bool>(WriteAsync);
    }

    public async Task RecordAsync(string profileId, long version)
    {
        ArgumentException.ThrowIfNullOrEmpty(profileId);
        if (ChangesOf(profileId).TryGetValue(profileId, out var recorded))
        {
            if (recorded.Version >= version)
            {
                return;
            }

            if (recorded.Sequence > _handedOut)
            {
                // No reader has reached the stored change yet, and a reader exports the profile as it is when it
                // gets there. So the stored change covers this one, and a busy profile does not rewrite the shard.
                ChangesOf(profileId)[profileId] = recorded with { Version = version };
                return;
            }
        }

        await _writes!.AddAsync([new ProfileChange(profileId, 0, version)]);
    }

    public Task<IReadOnlyList<ProfileChange>> ReadAsync(long afterSequence, long upToSequence, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        _handedOut = Math.Max(_handedOut, Math.Min(upToSequence, _lastSequence));
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

            page.Add(ChangesOf(profileId)[profileId]);
        }

        return Task.FromResult<IReadOnlyList<ProfileChange>>(page);
    }

    public Task<int> CountAsync(long afterSequence, long upToSequence)
    {
        _handedOut = Math.Max(_handedOut, Math.Min(upToSequence, _lastSequence));
        return Task.FromResult(_bySequence.Keys.Count(s => s > afterSequence && s <= upToSequence));
    }

    public Task<long> GetLastSequenceAsync()
    {
        _handedOut = _lastSequence;
        return Task.FromResult(_lastSequence);
    }

    private Dictionary<string, ProfileChange> ChangesOf(string profileId) => _buckets![_buckets.BucketOf(profileId)].Changes;

    private void KeepIfNewer(ProfileChange change)
    {
        var changes = ChangesOf(change.ProfileId);
        if (changes.TryGetValue(change.ProfileId, out var kept))
        {
            if (kept.Sequence >= change.Sequence)
            {
                return;
            }

            _bySequence.Remove(kept.Sequence);
        }

        changes[change.ProfileId] = change;
        _bySequence[change.Sequence] = change.ProfileId;
    }

    private async Task<bool> WriteAsync(IReadOnlyList<ProfileChange> records)
    {
        var undo = new List<(string ProfileId, ProfileChange? Previous)>();
        var lastSequence = _lastSequence;
        var touched = new HashSet<int>();
        foreach (var record in records)
        {
            var changes = ChangesOf(record.ProfileId);
            var previous = changes.GetValueOrDefault(record.ProfileId);
            if (previous is not null && previous.Version >= record.Version)
            {
                continue;
            }

            undo.Add((record.ProfileId, previous));
            _lastSequence++;
            changes[record.ProfileId] = record with { Sequence = _lastSequence };
            touched.Add(_buckets!.BucketOf(record.ProfileId));
        }

        if (undo.Count == 0)
        {
            return true;
        }

        // Every bucket written carries the highest sequence, so the largest one read at activation is never
        // below a sequence already given.
        var bucketSequences = touched.ToDictionary(bucket => bucket, bucket => _buckets![bucket].LastSequence);
        foreach (var bucket in touched)
        {
            _buckets![bucket].LastSequence = _lastSequence;
        }

        try
        {
            await _buckets!.WriteAsync(touched, log);
        }
        catch
        {
            // In reverse, because a profile recorded twice in one group is listed twice.
            foreach (var (profileId, previous) in Enumerable.Reverse(undo))
            {
                if (previous is null)
                {
                    ChangesOf(profileId).Remove(profileId);
                }
                else
                {
                    ChangesOf(profileId)[profileId] = previous;
                }
            }

            foreach (var (bucket, sequence) in bucketSequences)
            {
                _buckets![bucket].LastSequence = sequence;
            }

            _lastSequence = lastSequence;
            throw;
        }

        foreach (var (profileId, previous) in undo)
        {
            if (previous is not null)
            {
                _bySequence.Remove(previous.Sequence);
            }

            _bySequence[ChangesOf(profileId)[profileId].Sequence] = profileId;
        }

        return true;
    }
}

/// <summary>
/// The latest changes of one bucket of a change log shard. The grain's own record has the same shape and contains
/// the changes stored before the shard kept them in buckets.
/// </summary>
[GenerateSerializer, Alias("sendora.ProfileChangeLogState")]
public sealed class ProfileChangeLogState : IWrittenBuckets
{
    /// <summary>The latest change of each profile, by profile id.</summary>
    [Id(0)] public Dictionary<string, ProfileChange> Changes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The highest sequence number of a stored change.</summary>
    [Id(1)] public long LastSequence { get; set; }

    /// <summary>In the grain's own record, a bit per bucket that was ever written; unused in the buckets.</summary>
    [Id(2)] public uint WrittenBuckets { get; set; }
}
