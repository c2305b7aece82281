using System.Text;

namespace Sendora.Grains.Regulations;

/// <inheritdoc cref="IRegulationListGrain"/>
public sealed class RegulationListGrain(
    [PersistentState("regulations", SendoraNames.GrainStorage)] IPersistentState<RegulationListState> list,
    TimeProvider clock) : Grain, IRegulationListGrain
{
    /// <summary>The most regulations the list keeps, newest first.</summary>
    public const int MaxListed = 500;

    public async Task RegisterAsync(RegulationSummary summary, IReadOnlyList<string> subjectIds)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(subjectIds);
        var state = list.State;
        if (state.Regulations.Exists(listed => listed.Id == summary.Id))
        {
            return;
        }

        var suppressed = state.Suppressed;
        var known = suppressed.Select(s => s.UserId).ToHashSet(StringComparer.Ordinal);
        if (RegulationTypes.Suppresses(summary.RegulationType))
        {
            var added = subjectIds.Distinct(StringComparer.Ordinal).Where(id => !known.Contains(id)).ToList();
            if (suppressed.Count + added.Count > RegulationLimits.MaxSuppressedIds)
            {
                throw new SuppressionLimitException(
                    $"The regulation would suppress {suppressed.Count + added.Count} userIds in this workspace; the limit "
                    + $"is {RegulationLimits.MaxSuppressedIds}. Unsuppress userIds that no longer need it first.");
            }

            var bytes = suppressed.Sum(s => Encoding.UTF8.GetByteCount(s.UserId)) + added.Sum(Encoding.UTF8.GetByteCount);
            if (bytes > RegulationLimits.MaxSuppressedIdBytes)
            {
                throw new SuppressionLimitException(
                    $"The regulation would suppress userIds of {bytes} bytes in all (UTF-8) in this workspace; the limit "
                    + $"is {RegulationLimits.MaxSuppressedIdBytes} bytes. Unsuppress userIds that no longer need it first.");
            }
        }

        var previous = (Regulations: state.Regulations.ToList(), Suppressed: suppressed.ToList(), state.SuppressionVersion);
        var now = clock.GetUtcNow();
        if (RegulationTypes.Suppresses(summary.RegulationType))
        {
            foreach (var id in subjectIds.Where(known.Add))
            {
                suppressed.Add(new Suppression(id, summary.Id, now));
            }

            state.SuppressionVersion++;
        }
        else if (summary.RegulationType == RegulationTypes.Unsuppress)
        {
            var removed = subjectIds.ToHashSet(StringComparer.Ordinal);
            suppressed.RemoveAll(s => removed.Contains(s.UserId));
            state.SuppressionVersion++;
        }

        state.Regulations.Insert(0, summary);
        if (state.Regulations.Count > MaxListed)
        {
            state.Regulations.RemoveRange(MaxListed, state.Regulations.Count - MaxListed);
        }

        try
        {
            await list.WriteStateAsync();
        }
        catch
        {
            (state.Regulations, state.Suppressed, state.SuppressionVersion) = previous;
            throw;
        }
    }

    public Task<IReadOnlyList<RegulationSummary>> ListAsync(int offset, int limit) =>
        Task.FromResult<IReadOnlyList<RegulationSummary>>([.. list.State.Regulations.Skip(offset).Take(limit)]);

    public Task<int> CountAsync() => Task.FromResult(list.State.Regulations.Count);

    public Task<SuppressionPage> ListSuppressionsAsync(int offset, int limit)
    {
        var suppressed = list.State.Suppressed;
        return Task.FromResult(new SuppressionPage([.. suppressed.Skip(offset).Take(limit)], suppressed.Count));
    }

    public Task<SuppressionSet?> GetSuppressionsIfChangedAsync(long knownVersion)
    {
        var state = list.State;
        return Task.FromResult(state.SuppressionVersion == knownVersion
            ? null
            : new SuppressionSet(state.SuppressionVersion, [.. state.Suppressed.Select(s => s.UserId)]));
    }
}

/// <summary>The persisted list of a workspace's regulations and suppressed userIds.</summary>
[GenerateSerializer, Alias("sendora.RegulationListState")]
public sealed class RegulationListState
{
    /// <summary>Regulations, newest first.</summary>
    [Id(0)] public List<RegulationSummary> Regulations { get; set; } = [];

    /// <summary>Suppressed userIds, oldest first.</summary>
    [Id(1)] public List<Suppression> Suppressed { get; set; } = [];

    /// <summary>Counts the changes to <see cref="Suppressed"/>, so that gateways reload the list only when it changed.</summary>
    [Id(2)] public long SuppressionVersion { get; set; }
}
