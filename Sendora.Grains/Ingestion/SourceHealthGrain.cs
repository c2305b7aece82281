using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sendora.Grains.Health;

namespace Sendora.Grains.Ingestion;

/// <summary>
/// Keeps a source's intake counters, its counts per minute and per hour, a bounded log of its rejected messages,
/// and the state of its volume alert.
/// </summary>
public sealed partial class SourceHealthGrain(
    [PersistentState("sourcehealth", SendoraNames.GrainStorage)] IPersistentState<SourceHealthState> health,
    IOptions<SourceHealthOptions> options,
    IOptions<HealthOptions> healthOptions,
    TimeProvider clock,
    ILogger<SourceHealthGrain> logger) : Grain, ISourceHealthGrain, IRemindable
{
    /// <summary>How long per-minute counts are kept.</summary>
    public static readonly TimeSpan MinuteHistory = TimeSpan.FromHours(2);

    /// <summary>How long hourly counts are kept: the checked hour and the same hour on the 7 days before it.</summary>
    public static readonly TimeSpan HourHistory = TimeSpan.FromDays(8);

    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public async Task RecordRejectionsAsync(IReadOnlyList<RejectedMessage> rejections)
    {
        ArgumentNullException.ThrowIfNull(rejections);
        var state = health.State;
        foreach (var rejection in rejections)
        {
            state.Rejected++;
            state.RejectedByCode[rejection.Code] = state.RejectedByCode.GetValueOrDefault(rejection.Code) + 1;
            state.Rejections.Add(rejection);
            Count(rejection.ReceivedAt, c => c.Rejected++);
        }

        var excess = state.Rejections.Count - options.Value.MaxKeptRejections;
        if (excess > 0)
        {
            state.Rejections.RemoveRange(0, excess);
        }

        await SaveAsync();
    }

    public async Task AddCountsAsync(DateTimeOffset receivedAt, long accepted, long duplicates, long suppressed)
    {
        health.State.Accepted += accepted;
        health.State.Duplicates += duplicates;
        health.State.Suppressed += suppressed;
        Count(receivedAt, c =>
        {
            c.Accepted += accepted;
            c.Duplicates += duplicates;
            c.Suppressed += suppressed;
        });
        await SaveAsync();
    }

    public Task<SourceHealthSnapshot> GetAsync(int limit)
    {
        var state = health.State;
        var newestFirst = state.Rejections.AsEnumerable().Reverse().Take(Math.Max(0, limit)).ToList();
        return Task.FromResult(new SourceHealthSnapshot
        {
            Accepted = state.Accepted,
            Rejected = state.Rejected,
            Duplicates = state.Duplicates,
            Suppressed = state.Suppressed,
            RejectedByCode = new Dictionary<string, long>(state.RejectedByCode, StringComparer.Ordinal),
            Rejections = newestFirst,
        });
    }

    public Task<SourceVolumeReport> GetVolumeAsync()
    {
        var (minuteCutoff, hourCutoff) = Cutoffs(clock.GetUtcNow());
        var state = health.State;
        return Task.FromResult(new SourceVolumeReport
        {
            Minutes = [.. state.Minutes.Where(m => m.Start >= minuteCutoff).Select(Copy)],
            Hours = [.. state.Hours.Where(h => h.Start >= hourCutoff).Select(Copy)],
            AlertOpen = state.VolumeAlertOpen,
            LastCheck = _latestCheck ?? state.LastVolumeCheck,
        });
    }

    /// <summary>Adds to the minute and the hour that contain <paramref name="at"/>, unless they are past keeping.</summary>
    private void Count(DateTimeOffset at, Action<IntakeCounts> add)
    {
        var now = clock.GetUtcNow();
        RemoveExpired(now);
        var (minuteCutoff, hourCutoff) = Cutoffs(now);
        var minute = TimeBuckets.Floor(at, Minute);
        if (minute >= minuteCutoff)
        {
            add(TimeBuckets.GetOrAdd(health.State.Minutes, minute, start => new IntakeCounts { Start = start }));
        }

        var hour = TimeBuckets.Floor(at, Hour);
        if (hour >= hourCutoff)
        {
            add(TimeBuckets.GetOrAdd(health.State.Hours, hour, start => new IntakeCounts { Start = start }));
        }
    }

    private bool RemoveExpired(DateTimeOffset now)
    {
        var (minuteCutoff, hourCutoff) = Cutoffs(now);
        var minutes = TimeBuckets.RemoveBefore(health.State.Minutes, minuteCutoff);
        var hours = TimeBuckets.RemoveBefore(health.State.Hours, hourCutoff);
        return minutes || hours;
    }

    /// <summary>Returns the starts of the oldest minute and the oldest hour that are kept at <paramref name="now"/>.</summary>
    private static (DateTimeOffset Minute, DateTimeOffset Hour) Cutoffs(DateTimeOffset now) =>
        (TimeBuckets.Floor(now - MinuteHistory, Minute) + Minute, TimeBuckets.Floor(now - HourHistory, Hour) + Hour);

    private static IntakeCounts Copy(IntakeCounts counts) => new()
    {
        Start = counts.Start,
        Accepted = counts.Accepted,
        Rejected = counts.Rejected,
        Duplicates = counts.Duplicates,
        Suppressed = counts.Suppressed,
    };

    private async Task SaveAsync()
    {
        try
        {
            await health.WriteStateAsync();
        }
        catch (Exception exception)
        {
            LogSaveFailed(exception, this.GetPrimaryKeyString());
            DeactivateOnIdle();
            throw;
        }
    }
}

/// <summary>The persisted intake record of a source.</summary>
[GenerateSerializer, Alias("sendora.SourceHealthState")]
public sealed class SourceHealthState
{
    [Id(0)] public long Accepted { get; set; }

    [Id(1)] public long Rejected { get; set; }

    [Id(2)] public long Duplicates { get; set; }

    [Id(3)] public Dictionary<string, long> RejectedByCode { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Kept rejections, oldest first.</summary>
    [Id(4)] public List<RejectedMessage> Rejections { get; set; } = [];

    /// <summary>Counts per minute over the last 2 hours, oldest first.</summary>
    [Id(5)] public List<IntakeCounts> Minutes { get; set; } = [];

    /// <summary>Counts per hour over the last 8 days, oldest first.</summary>
    [Id(6)] public List<IntakeCounts> Hours { get; set; } = [];

    /// <summary>True while the source's volume alert is open.</summary>
    [Id(7)] public bool VolumeAlertOpen { get; set; }

    /// <summary>The check that last opened, updated or resolved the volume alert.</summary>
    [Id(8)] public VolumeCheck? LastVolumeCheck { get; set; }

    /// <summary>True while the reminder that keeps checking a silent source is registered.</summary>
    [Id(9)] public bool HasReminder { get; set; }

    /// <summary>Messages dropped unstored because a regulation suppresses their userId.</summary>
    [Id(10)] public long Suppressed { get; set; }
}
