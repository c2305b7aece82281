using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Sendora.Grains.Admin.Audit;

/// <summary>Stores one segment of a workspace's audit log in one storage entity.</summary>
public sealed partial class AuditSegmentGrain(
    [PersistentState("audit", SendoraNames.GrainStorage)] IPersistentState<AuditSegmentState> segment,
    IOptions<AuditOptions> options,
    TimeProvider clock,
    ILogger<AuditSegmentGrain> logger) : Grain, IAuditSegmentGrain
{
    /// <summary>
    /// The size a segment stays within, in bytes estimated by <see cref="AuditValues.EstimateBytes"/>: 256 KiB, a
    /// quarter of the 1 MiB an Azure Table entity holds. Every append writes the whole segment, so a smaller
    /// segment writes less per change. One entry with both values at their limit takes about 130 KiB.
    /// </summary>
    public const int MaxBytes = 256 * 1024;

    private readonly HashSet<string> _entryIds = new(StringComparer.Ordinal);
    private AuditSegmentInfo _info = null!;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_, _info) = AuditSegmentInfo.ParseGrainKey(this.GetPrimaryKeyString());
        _entryIds.UnionWith(segment.State.Entries.Select(e => e.Id));
        return Task.CompletedTask;
    }

    public async Task<AuditAppendResult> AppendAsync(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (AuditSegmentInfo.DayOf(entry.At) != _info.Day)
        {
            var day = AuditSegmentInfo.DayOf(entry.At);
            throw new ArgumentException(
                $"Audit entry '{entry.Id}' was made on {day:O}, not on this segment's day {_info.Day:O}.", nameof(entry));
        }

        if (_entryIds.Contains(entry.Id))
        {
            return AuditAppendResult.Duplicate;
        }

        var bytes = AuditValues.EstimateBytes(entry);
        var state = segment.State;
        if (state.Entries.Count > 0 && state.Bytes + bytes > MaxBytes)
        {
            return AuditAppendResult.Full;
        }

        state.Entries.Add(entry);
        state.Bytes += bytes;
        await WriteStateAsync();
        _entryIds.Add(entry.Id);
        return AuditAppendResult.Appended;
    }

    public Task<bool> ContainsAsync(string entryId) => Task.FromResult(_entryIds.Contains(entryId));

    public Task<IReadOnlyList<AuditEntry>> QueryAsync(AuditQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Task.FromResult<IReadOnlyList<AuditEntry>>([.. segment.State.Entries
            .Where(query.Matches)
            .OrderByDescending(e => e.At)
            .ThenByDescending(e => e.Id, StringComparer.Ordinal)
            .Take(query.Limit)]);
    }

    public async Task<bool> DropIfExpiredAsync()
    {
        if (segment.State.Entries.Count == 0)
        {
            return true;
        }

        if (AuditSegmentInfo.EndOf(_info.Day) > clock.GetUtcNow() - options.Value.Retention)
        {
            return false;
        }

        var count = segment.State.Entries.Count;
        await segment.ClearStateAsync();
        _entryIds.Clear();
        LogDropped(this.GetPrimaryKeyString(), count);
        return true;
    }

    // As in the workspace grain: after a failed write this activation has an entry that storage does not, so it
    // deactivates, and the next call reloads the stored state.
    private async Task WriteStateAsync()
    {
        try
        {
            await segment.WriteStateAsync();
        }
        catch (Exception exception)
        {
            LogWriteFailed(exception, this.GetPrimaryKeyString());
            DeactivateOnIdle();
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Dropped audit segment {SegmentKey} with {Count} entries past the retention")]
    private partial void LogDropped(string segmentKey, int count);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Failed to write audit segment {SegmentKey}; deactivating to reload the stored state")]
    private partial void LogWriteFailed(Exception exception, string segmentKey);
}

/// <summary>The persisted state of an audit segment.</summary>
[GenerateSerializer, Alias("sendora.AuditSegmentState")]
public sealed class AuditSegmentState
{
    /// <summary>The entries in the order they were appended.</summary>
    [Id(0)] public List<AuditEntry> Entries { get; set; } = [];

    /// <summary>The estimated stored size of <see cref="Entries"/> in bytes, the sum of <see cref="AuditValues.EstimateBytes"/>.</summary>
    [Id(1)] public int Bytes { get; set; }
}
