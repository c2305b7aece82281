using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Sendora.Gateway.Hosting;
using Sendora.Grains;
using Sendora.Grains.Health;
using Sendora.Grains.Ingestion;

namespace Sendora.Gateway.Tracking;

/// <summary>
/// Adds up accepted, duplicate and suppressed messages per source and minute in memory and hands the sums to each source's
/// health grain once per <see cref="GatewayOptions.CounterFlushInterval"/>, instead of one grain call per request.
/// Each sum keeps the minute its requests were received in, so a late flush still counts them in that minute.
/// </summary>
public sealed partial class IngestionCounters(
    IGrainFactory grains, IOptions<GatewayOptions> options, ILogger<IngestionCounters> logger) : BackgroundService
{
    private ConcurrentDictionary<(string WorkspaceId, string SourceId, DateTimeOffset Minute), Counts> _pending = new();

    public void Add(
        string workspaceId, string sourceId, DateTimeOffset receivedAt, long accepted, long duplicates, long suppressed = 0)
    {
        var minute = TimeBuckets.Floor(receivedAt, TimeSpan.FromMinutes(1));
        var counts = _pending.GetOrAdd((workspaceId, sourceId, minute), _ => new Counts());
        Interlocked.Add(ref counts.Accepted, accepted);
        Interlocked.Add(ref counts.Duplicates, duplicates);
        Interlocked.Add(ref counts.Suppressed, suppressed);
    }

    /// <summary>Hands every pending sum to its source's grain now.</summary>
    public async Task FlushAsync()
    {
        var flushing = Interlocked.Exchange(ref _pending, new ConcurrentDictionary<(string, string, DateTimeOffset), Counts>());
        foreach (var ((workspaceId, sourceId, minute), counts) in flushing)
        {
            var accepted = Interlocked.Read(ref counts.Accepted);
            var duplicates = Interlocked.Read(ref counts.Duplicates);
            var suppressed = Interlocked.Read(ref counts.Suppressed);
            try
            {
                await grains.Reference<ISourceHealthGrain>(GrainKeys.Scoped(workspaceId, sourceId))
                    .AddCountsAsync(minute, accepted, duplicates, suppressed);
            }
            catch (Exception exception)
            {
                // The sums go back into the next flush rather than being lost.
                LogFlushFailed(exception, sourceId);
                Add(workspaceId, sourceId, minute, accepted, duplicates, suppressed);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CounterFlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync();
    }

    private sealed class Counts
    {
        public long Accepted;
        public long Duplicates;
        public long Suppressed;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed to store intake counters of source {SourceId}; retrying later")]
    private partial void LogFlushFailed(Exception exception, string sourceId);
}
