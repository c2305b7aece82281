using Sendora.Grains;
using Sendora.Grains.Audiences;

namespace Sendora.Tests.Grains;

/// <summary>The audience grain's log: numbering, grouping of concurrent appends, segments and recovery.</summary>
public abstract class AudienceGrainTests(ProfileClusterFixture fixture)
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly IGrainFactory _grains = fixture.Grains;
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
