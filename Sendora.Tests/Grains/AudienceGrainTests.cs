using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using Sendora.Grains;
using Sendora.Grains.Audiences;

namespace Sendora.Tests.Grains;

/// <summary>The audience grain's log: numbering, grouping of concurrent appends, segments and recovery.</summary>
public abstract class AudienceGrainTests(ProfileClusterFixture fixture)
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly IGrainFactory _grains = fixture.Grains;
    private readonly TestCluster _cluster = fixture.Cluster;
    private readonly string _audienceKey = GrainKeys.Scoped("ws-" + Guid.NewGuid().ToString("N")[..12], "vip");

    [Fact]
    public async Task ConcurrentAppends_NumberEachChangeOnce()
    {
        var audience = _grains.GetGrain<IAudienceGrain>(_audienceKey);

        await Task.WhenAll(Enumerable.Range(0, 200).Select(i => audience.AppendAsync([Enter($"p{i}", 1)])));

        var page = await audience.ReadAsync(0, 1_000);
        Assert.Equal(Enumerable.Range(1, 200).Select(i => (long)i), page.Entries.Select(e => e.Sequence));
        Assert.Equal(200, page.Entries.Select(e => e.Change.ChangeId).Distinct().Count());
        var status = await audience.GetStatusAsync();
        Assert.Equal(200, status.Size);
        Assert.Equal(200, status.Enters);
        Assert.Equal(200, status.LastSequence);
    }

    [Fact]
    public async Task LargeAppend_SpansSegmentsWithoutGaps()
    {
        var audience = _grains.GetGrain<IAudienceGrain>(_audienceKey);
        var count = 2 * AudienceGrain.SegmentSize + 100;

        await audience.AppendAsync([.. Enumerable.Range(0, count).Select(i => Enter($"p{i}", 1))]);

        var sequences = new List<long>();
        var after = 0L;
        while (true)
        {
            var page = await audience.ReadAsync(after, 300);
            if (page.Entries.Count == 0)
            {
                break;
            }

            sequences.AddRange(page.Entries.Select(e => e.Sequence));
            after = page.Entries[^1].Sequence;
        }

        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), sequences);
    }

    [Fact]
    public async Task Reactivation_RecoversLogPositionAndCounts()
    {
        var audience = _grains.GetGrain<IAudienceGrain>(_audienceKey);
        var changes = Enumerable.Range(0, 10).Select(i => Enter($"p{i}", 1)).ToList();
        foreach (var change in changes)
        {
            await audience.AppendAsync([change]);
        }

        await audience.AppendAsync([Exit("p0", 2)]);
        await _grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var status = await audience.GetStatusAsync();
        Assert.Equal(11, status.LastSequence);
        Assert.Equal(10, status.Enters);
        Assert.Equal(1, status.Exits);
        Assert.Equal(9, status.Size);
    }

    [Fact]
    public async Task RepeatAfterReactivation_IsDropped()
    {
        var audience = _grains.GetGrain<IAudienceGrain>(_audienceKey);
        await audience.AppendAsync([Enter("p1", 1)]);
        await audience.AppendAsync([Enter("p2", 1)]);
        await _grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        var repeated = await audience.AppendAsync([Enter("p2", 1)]);
        var next = await audience.AppendAsync([Enter("p3", 1)]);

        Assert.Equal(2, repeated);
        Assert.Equal(3, next);
        var page = await audience.ReadAsync(0, 10);
        Assert.Equal(["p1", "p2", "p3"], page.Entries.Select(e => e.Change.ProfileId));
    }

    [Fact]
    public async Task Appends_StoreEachEntryOnceInPages()
    {
        var audience = _grains.GetGrain<IAudienceGrain>(_audienceKey);
        var count = AudienceLogSegmentGrain.PageSize + 30;
        await audience.AppendAsync([.. Enumerable.Range(0, count - 10).Select(i => Enter($"p{i}", 1))]);
        foreach (var i in Enumerable.Range(count - 10, 10))
        {
            await audience.AppendAsync([Enter($"p{i}", 1)]);
        }

        var record = await ReadStoredAsync<AudienceLogSegmentState>("audienceLog", SegmentId(0));
        var pages = new List<AudienceLogSegmentPage>();
        foreach (var page in Enumerable.Range(0, AudienceGrain.SegmentSize / AudienceLogSegmentGrain.PageSize))
        {
            pages.Add(await ReadStoredAsync<AudienceLogSegmentPage>("audienceLog", PageId(0, page)));
        }

        Assert.Empty(record.Entries);
        Assert.Equal(0b11u, record.WrittenBuckets);
        Assert.Equal([AudienceLogSegmentGrain.PageSize, 30, 0, 0, 0], pages.Select(p => p.Entries.Count));
        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), pages.SelectMany(p => p.Entries).Select(e => e.Sequence));
    }

    [Fact]
    public async Task LegacySegment_ReadsAndTakesAppends()
    {
        // A segment stored whole in its own record, with the audience's record listing it.
        var legacy = Enumerable.Range(1, 3).Select(i => new AudienceLogEntry(i, Enter($"old{i}", 1))).ToList();
        await WriteStoredAsync("audienceLog", SegmentId(0), new AudienceLogSegmentState { Entries = legacy });
        await WriteStoredAsync("audience", _grains.GetGrain<IAudienceGrain>(_audienceKey).GetGrainId(), new AudienceState
        {
            LastSequence = 3,
            Enters = 3,
            ShardCount = 4,
            Segments = [new LogSegmentInfo { Number = 0, FirstSequence = 1, LastSequence = 3, Count = 3, LastAt = At }],
        });
        var audience = _grains.GetGrain<IAudienceGrain>(_audienceKey);

        var repeated = await audience.AppendAsync([Enter("old2", 1)]);
        await audience.AppendAsync([Enter("new1", 1), Enter("new2", 1)]);
        await _grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        Assert.Equal(3, repeated);
        var page = await audience.ReadAsync(0, 10);
        Assert.Equal(["old1", "old2", "old3", "new1", "new2"], page.Entries.Select(e => e.Change.ProfileId));
        Assert.Equal([1L, 2, 3, 4, 5], page.Entries.Select(e => e.Sequence));
        Assert.Equal(5, page.LastSequence);
        var later = await audience.ReadAsync(4, 10);
        Assert.Equal(["new2"], later.Entries.Select(e => e.Change.ProfileId));
    }

    [Fact]
    public async Task Read_BeforeMemoryTail_ReadsSegments()
    {
        var audience = _grains.GetGrain<IAudienceGrain>(_audienceKey);
        var count = AudienceGrain.SegmentSize + 50;
        await audience.AppendAsync([.. Enumerable.Range(0, count).Select(i => Enter($"p{i}", 1))]);
        await _grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        // The first read after activation starts before every entry held in memory; the next reads within them.
        var first = await audience.ReadAsync(0, 5);
        var middle = await audience.ReadAsync(count - 3, 2);
        var end = await audience.ReadAsync(count, 10);

        Assert.Equal([1L, 2, 3, 4, 5], first.Entries.Select(e => e.Sequence));
        Assert.Equal([(long)count - 2, count - 1], middle.Entries.Select(e => e.Sequence));
        Assert.Empty(end.Entries);
        Assert.All([first, middle, end], p => Assert.Equal(count, p.LastSequence));
        Assert.All([first, middle, end], p => Assert.Equal(1, p.FirstRetainedSequence));
    }

    private GrainId SegmentId(int number) =>
        _grains.GetGrain<IAudienceLogSegmentGrain>($"{_audienceKey}/log/{number}").GetGrainId();

    // The id StateBuckets gives a page of a segment.
    private GrainId PageId(int segment, int page) =>
        GrainId.Create(GrainType.Create("audienceLog.bucket"), $"{SegmentId(segment)}/{page}");

    private IGrainStorage Storage => (_cluster.Primary as InProcessSiloHandle)?.SiloHost.Services
        .GetRequiredKeyedService<IGrainStorage>(SendoraNames.GrainStorage)
        ?? throw new InvalidOperationException("The test cluster's primary silo is not in this process.");

    private async Task<T> ReadStoredAsync<T>(string stateName, GrainId id)
        where T : class, new()
    {
        var state = new GrainState<T>(new T());
        await Storage.ReadStateAsync(stateName, id, state);
        return state.State ?? new T();
    }

    private Task WriteStoredAsync<T>(string stateName, GrainId id, T state) =>
        Storage.WriteStateAsync(stateName, id, new GrainState<T>(state));

    private static MembershipChange Enter(string profileId, int number) => Change(profileId, number, MembershipChangeKinds.Enter);

    private static MembershipChange Exit(string profileId, int number) => Change(profileId, number, MembershipChangeKinds.Exit);

    private static MembershipChange Change(string profileId, int number, string kind) => new()
    {
        AudienceId = "vip",
        ProfileId = profileId,
        Kind = kind,
        ChangeId = $"{profileId}:{number}",
        At = At,
        ExternalIds = [$"user_id:{profileId}"],
        AudienceVersion = 1,
    };
}
