using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using Orleans.Utilities;
using Sendora.Grains.Inspection;

namespace Sendora.Grains.Audiences;

/// <summary>
/// Numbers and stores an audience's membership changes, applies them to the member shards, and pushes
/// them to watchers and onto the audience's Orleans stream.
/// </summary>
/// <remarks>
/// The log is written before the watchers, the shards and the stream learn of a change, so a change that
/// reached any of them is in the log. A profile that crashed before it saw the call succeed sends its changes
/// again. The change ids of the newest log segments drop those repeats, and the shards apply them idempotently.
/// Appends that arrive while a group is being written are written together as the next group: one log write
/// and one write per shard touched, however many profiles sent changes.
/// </remarks>
public sealed partial class AudienceGrain(
    [PersistentState("audience", SendoraNames.GrainStorage)] IPersistentState<AudienceState> audience,
    IOptions<AudienceOptions> options,
    TimeProvider clock,
    ILogger<AudienceGrain> logger) : Grain, IAudienceGrain
{
    /// <summary>Log entries per segment grain, which keeps one segment well under an Azure Table entity's 1 MB.</summary>
    public const int SegmentSize = 500;

    private readonly AudienceOptions _options = options.Value;
    private readonly HashSet<string> _recentChangeIds = new(StringComparer.Ordinal);
    private readonly Queue<string> _recentOrder = new();

    // The newest log entries in sequence order, each added once its segment write finished, so that a watcher woken
    // by a write reads them here rather than through a call to the segment.
    private readonly List<AudienceLogEntry> _tail = [];
    private const int TailSize = 256;
    private ObserverManager<IAudienceWatcher>? _watchers;

    // Appends of many profiles are written as one group while the previous group is being written.
    private GroupedWrites<MembershipChange, long>? _appends;
    private bool _clearing;

    private string Key => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _watchers = new ObserverManager<IAudienceWatcher>(TimeSpan.FromMinutes(1), logger);
        _appends = new GroupedWrites<MembershipChange, long>(RecordAsync);
        var state = audience.State;
        if (state.ShardCount == 0)
        {
            state.ShardCount = _options.ShardCount;
        }

        // The newest segments give the change ids to drop repeats by, and they may hold entries written
        // just before a crash that kept this state from being saved.
        foreach (var info in state.Segments.TakeLast(2))
        {
            var entries = await Segment(info.Number).ReadAsync(info.FirstSequence - 1, int.MaxValue);
            AddToTail(entries);
            foreach (var entry in entries)
            {
                Remember(entry.Change.ChangeId);
                if (entry.Sequence > info.LastSequence)
                {
                    info.LastSequence = entry.Sequence;
                    info.Count = (int)(entry.Sequence - info.FirstSequence + 1);
                    info.LastAt = entry.Change.At;
                    state.LastSequence = Math.Max(state.LastSequence, entry.Sequence);
                    Count(state, entry);
                }
            }
        }
    }

    public Task<long> AppendAsync(IReadOnlyList<MembershipChange> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (_clearing)
        {
            // The caller retries, and a later activation records the changes after the audience is cleared.
            throw new InvalidOperationException($"Audience {Key} is being cleared; send the changes again.");
        }

        return _appends!.AddAsync(changes);
    }

    private async Task<long> RecordAsync(IReadOnlyList<MembershipChange> changes)
    {
        var state = audience.State;
        var fresh = new List<MembershipChange>();
        var batchIds = new HashSet<string>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            if (!_recentChangeIds.Contains(change.ChangeId) && batchIds.Add(change.ChangeId))
            {
                fresh.Add(change);
            }
        }

        var entries = new List<AudienceLogEntry>(fresh.Count);
        if (fresh.Count > 0)
        {
            entries.AddRange(fresh.Select((change, i) => new AudienceLogEntry(state.LastSequence + 1 + i, change)));
            await WriteLogAsync(entries);
            RecordMetrics(fresh);

            // Watchers read the log, which contains the entries now. Their reads interleave with this write, so they
            // do not wait for the shards.
            await _watchers!.Notify(watcher => watcher.LogAdvanced(Key, state.LastSequence));
        }

        // Repeats go to the shards too: a crash may have come between the log and the shards. The stream is
        // published beside the shard writes, because its consumers read entries that the log already holds.
        var shards = Task.WhenAll(changes.GroupBy(c => ShardOf(c.ProfileId, state.ShardCount))
            .Select(group => Shard(group.Key).ApplyAsync([.. group])));
        await Task.WhenAll(shards, entries.Count > 0 ? PublishAsync(entries) : Task.CompletedTask);
        return state.LastSequence;
    }

    public async Task<AudienceLogPage> ReadAsync(long afterSequence, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var state = audience.State;
        if (_tail.Count > 0 && afterSequence >= _tail[0].Sequence - 1)
        {
            var start = _tail.FindIndex(e => e.Sequence > afterSequence);
            var page = start < 0 ? [] : _tail.GetRange(start, Math.Min(limit, _tail.Count - start));
            return new AudienceLogPage(page, Math.Max(state.LastSequence, _tail[^1].Sequence), FirstRetainedSequence(state));
        }

        var result = new List<AudienceLogEntry>();

        // A copy, because a group written while this call waits may add or remove segments.
        foreach (var info in state.Segments.Where(s => s.LastSequence > afterSequence).ToList())
        {
            var entries = await Segment(info.Number).ReadAsync(afterSequence, limit - result.Count);
            result.AddRange(entries);
            if (result.Count >= limit)
            {
                break;
            }
        }

        // A read that interleaves with a log write may find entries in a segment before the state counts them.
        var last = result.Count > 0 ? Math.Max(state.LastSequence, result[^1].Sequence) : state.LastSequence;
        return new AudienceLogPage(result, last, FirstRetainedSequence(state));
    }

    private static long FirstRetainedSequence(AudienceState state) =>
        state.Segments.Count > 0 ? state.Segments[0].FirstSequence : state.LastSequence + 1;

    private void AddToTail(IEnumerable<AudienceLogEntry> entries)
    {
        _tail.AddRange(entries);
        if (_tail.Count > TailSize)
        {
            _tail.RemoveRange(0, _tail.Count - TailSize);
        }
    }

    public async Task<AudienceStatus> GetStatusAsync()
    {
        var state = audience.State;
        var counts = await Task.WhenAll(Enumerable.Range(0, state.ShardCount).Select(i => Shard(i).CountAsync()));
        return new AudienceStatus(counts.Sum(c => (long)c), state.LastSequence, state.Enters, state.Exits);
    }

    public Task<GrainInspection> InspectAsync(int maxItems) => Task.FromResult(GrainInspector.Inspect(this, audience, maxItems));

    public async Task<MemberPage> GetMembersAsync(MemberCursor? after, int limit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        var shardCount = audience.State.ShardCount;
        if (after is { Shard: var cursorShard } && cursorShard >= shardCount)
        {
            throw new ArgumentOutOfRangeException(nameof(after), cursorShard,
                $"The cursor names shard {cursorShard}, but the audience has shards 0 to {shardCount - 1}.");
        }

        var members = new List<AudienceMember>(limit);
        var shard = after?.Shard ?? 0;
        var afterProfileId = after?.AfterProfileId;
        while (shard < shardCount)
        {
            var page = await Shard(shard).GetMembersAsync(afterProfileId, limit - members.Count + 1);
            var take = Math.Min(page.Count, limit - members.Count);
            members.AddRange(page.Take(take));
            if (members.Count == limit)
            {
                // One more member in this shard, or any later shard, means another page.
                return new MemberPage(members, page.Count > take ? new MemberCursor(shard, members[^1].ProfileId)
                    : shard + 1 < shardCount ? new MemberCursor(shard + 1, null) : null);
            }

            shard++;
            afterProfileId = null;
        }

        return new MemberPage(members, null);
    }

    public Task WatchAsync(IAudienceWatcher watcher)
    {
        _watchers!.Subscribe(watcher, watcher);
        return Task.CompletedTask;
    }

    public Task UnwatchAsync(IAudienceWatcher watcher)
    {
        _watchers!.Unsubscribe(watcher);
        return Task.CompletedTask;
    }

    public async Task ClearAsync()
    {
        _clearing = true;
        try
        {
            await _appends!.Idle;
            _tail.Clear();
            var state = audience.State;
            await Task.WhenAll(state.Segments.Select(s => Segment(s.Number).ClearAsync()));
            await Task.WhenAll(Enumerable.Range(0, state.ShardCount).Select(i => Shard(i).ClearAsync()));
            await audience.ClearStateAsync();
        }
        catch
        {
            _clearing = false;
            throw;
        }

        // Appends that arrive before the deactivation are rejected, and their retries reach a fresh activation.
        DeactivateOnIdle();
    }

    /// <summary>
    /// Appends entries to the log, starting a segment whenever the newest one is full. The state is written only
    /// when the list of segments changes: entries appended to a listed segment are found again on activation.
    /// </summary>
    private async Task WriteLogAsync(List<AudienceLogEntry> entries)
    {
        var state = audience.State;
        var now = clock.GetUtcNow();
        var written = 0;
        while (written < entries.Count)
        {
            var current = state.Segments.Count > 0 ? state.Segments[^1] : null;
            if (current is null || current.Count >= SegmentSize)
            {
                current = await StartSegmentAsync(current, entries[written].Sequence);
            }

            var part = entries.GetRange(written, Math.Min(SegmentSize - current.Count, entries.Count - written));
            await Segment(current.Number).AppendAsync(part);
            AddToTail(part);
            current.Count += part.Count;
            current.LastSequence = part[^1].Sequence;
            current.LastAt = now;
            state.LastSequence = part[^1].Sequence;
            foreach (var entry in part)
            {
                Count(state, entry);
                Remember(entry.Change.ChangeId);
            }

            written += part.Count;
        }

        await DropExpiredSegmentsAsync(now);
    }

    /// <summary>Adds a segment after <paramref name="previous"/> to the stored state before any entry is written to it.</summary>
    private async Task<LogSegmentInfo> StartSegmentAsync(LogSegmentInfo? previous, long firstSequence)
    {
        var segments = audience.State.Segments;
        var segment = new LogSegmentInfo
        {
            Number = (previous?.Number ?? -1) + 1,
            FirstSequence = firstSequence,
            LastSequence = firstSequence - 1,
        };
        segments.Add(segment);
        try
        {
            await audience.WriteStateAsync();
        }
        catch
        {
            // Storage does not list the segment, so memory must not either.
            segments.Remove(segment);
            throw;
        }

        return segment;
    }

    /// <summary>Removes the segments, other than the newest, whose last change is older than the log retention.</summary>
    private async Task DropExpiredSegmentsAsync(DateTimeOffset now)
    {
        var segments = audience.State.Segments;
        var expired = segments.Take(segments.Count - 1).Where(s => s.LastAt < now - _options.LogRetention).ToList();
        if (expired.Count == 0)
        {
            return;
        }

        segments.RemoveAll(expired.Contains);
        var first = FirstRetainedSequence(audience.State);
        _tail.RemoveAll(e => e.Sequence < first);
        await audience.WriteStateAsync();
        foreach (var segment in expired)
        {
            await Segment(segment.Number).ClearAsync();
        }
    }

    private static void Count(AudienceState state, AudienceLogEntry entry)
    {
        if (entry.Change.Kind == MembershipChangeKinds.Enter)
        {
            state.Enters++;
        }
        else
        {
            state.Exits++;
        }
    }

    private void RecordMetrics(List<MembershipChange> written)
    {
        var (workspaceId, audienceId) = GrainKeys.Split(Key);
        var enters = written.Count(c => c.Kind == MembershipChangeKinds.Enter);
        SendoraMetrics.RecordMembershipChanges(workspaceId, audienceId, MembershipChangeKinds.Enter, enters);
        SendoraMetrics.RecordMembershipChanges(workspaceId, audienceId, MembershipChangeKinds.Exit, written.Count - enters);
    }

    private async Task PublishAsync(List<AudienceLogEntry> entries)
    {
        try
        {
            var stream = this.GetStreamProvider(SendoraNames.StreamProvider)
                .GetStream<AudienceLogEntry>(StreamId.Create(StreamNamespace, Key));
            await stream.OnNextBatchAsync(entries);
        }
        catch (Exception exception)
        {
            // The log keeps every change, so stream consumers that missed these can read them from it.
            LogPublishFailed(exception, Key, entries[0].Sequence, entries[^1].Sequence);
        }
    }

    private void Remember(string changeId)
    {
        if (!_recentChangeIds.Add(changeId))
        {
            return;
        }

        _recentOrder.Enqueue(changeId);
        while (_recentOrder.Count > 2 * SegmentSize)
        {
            _recentChangeIds.Remove(_recentOrder.Dequeue());
        }
    }

    /// <summary>The stream namespace of audience membership streams; the stream key is the audience's grain key.</summary>
    public const string StreamNamespace = "audience";

    /// <summary>Returns the shard of a profile: FNV-1a over its id, so that every silo agrees.</summary>
    public static int ShardOf(string profileId, int shardCount) => (int)(StableHash.Of(profileId) % (uint)shardCount);

    /// <summary>Returns the grain key of shard <paramref name="number"/> of the audience keyed <paramref name="audienceKey"/>.</summary>
    public static string ShardKey(string audienceKey, int number) => $"{audienceKey}/shard/{number}";

    private IAudienceShardGrain Shard(int number) => GrainFactory.GetGrain<IAudienceShardGrain>(ShardKey(Key, number));

    private IAudienceLogSegmentGrain Segment(int number) =>
        GrainFactory.GetGrain<IAudienceLogSegmentGrain>($"{Key}/log/{number}");

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Failed to publish membership changes {First} to {Last} of audience {AudienceKey} on its stream")]
    private partial void LogPublishFailed(Exception exception, string audienceKey, long first, long last);
}

[GenerateSerializer, Alias("sendora.AudienceState")]
public sealed class AudienceState
{
    [Id(0)] public long LastSequence { get; set; }

    [Id(1)] public List<LogSegmentInfo> Segments { get; set; } = [];

    [Id(2)] public long Enters { get; set; }

    [Id(3)] public long Exits { get; set; }

    /// <summary>Fixed when the audience first activates, because changing it would move members between shards.</summary>
    [Id(4)] public int ShardCount { get; set; }
}

[GenerateSerializer, Alias("sendora.LogSegmentInfo")]
public sealed class LogSegmentInfo
{
    [Id(0)] public int Number { get; set; }

    [Id(1)] public long FirstSequence { get; set; }

    [Id(2)] public long LastSequence { get; set; }

    [Id(3)] public int Count { get; set; }

    [Id(4)] public DateTimeOffset LastAt { get; set; }
}
