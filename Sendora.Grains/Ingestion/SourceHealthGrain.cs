using Microsoft.Extensions.Options;

namespace Sendora.Grains.Ingestion;

/// <summary>Keeps a source's intake counters and a bounded log of its rejected messages.</summary>
public sealed class SourceHealthGrain(
    [PersistentState("sourcehealth", SendoraNames.GrainStorage)] IPersistentState<SourceHealthState> health,
    IOptions<SourceHealthOptions> options) : Grain, ISourceHealthGrain
{
    public async Task RecordRejectionsAsync(IReadOnlyList<RejectedMessage> rejections)
    {
        ArgumentNullException.ThrowIfNull(rejections);
        var state = health.State;
        foreach (var rejection in rejections)
        {
            state.Rejected++;
            state.RejectedByCode[rejection.Code] = state.RejectedByCode.GetValueOrDefault(rejection.Code) + 1;
            state.Rejections.Add(rejection);
        }

        var excess = state.Rejections.Count - options.Value.MaxKeptRejections;
        if (excess > 0)
        {
            state.Rejections.RemoveRange(0, excess);
        }

        await health.WriteStateAsync();
    }

    public async Task AddCountsAsync(long accepted, long duplicates)
    {
        health.State.Accepted += accepted;
        health.State.Duplicates += duplicates;
        await health.WriteStateAsync();
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
            RejectedByCode = new Dictionary<string, long>(state.RejectedByCode, StringComparer.Ordinal),
            Rejections = newestFirst,
        });
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
}
