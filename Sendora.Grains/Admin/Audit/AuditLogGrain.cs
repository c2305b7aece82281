using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Sendora.Grains.Admin.Audit;

/// <summary>Keeps the list of a workspace's audit segments, sends appends to them and merges their reads.</summary>
public sealed partial class AuditLogGrain(
    [PersistentState("auditlog", SendoraNames.GrainStorage)] IPersistentState<AuditLogState> log,
    IOptions<AuditOptions> options,
    TimeProvider clock,
    ILogger<AuditLogGrain> logger) : Grain, IAuditLogGrain, IRemindable
{
    private const string RetentionReminder = "audit-retention";

    private bool _reminderChecked;

    private string WorkspaceId => this.GetPrimaryKeyString();

    private List<AuditSegmentInfo> Segments => log.State.Segments;

    public async Task AppendAsync(IReadOnlyList<AuditEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        await DropExpiredAsync();
        var cutoff = RetentionCutoff();
        foreach (var entry in entries)
        {
            if (entry.At < cutoff)
            {
                LogExpiredEntrySkipped(entry.Id, WorkspaceId, entry.At);
                continue;
            }

            await AppendOneAsync(entry);
        }

        await EnsureReminderAsync();
    }

    public Task<IReadOnlyList<AuditSegmentInfo>> GetSegmentsAsync() =>
        Task.FromResult<IReadOnlyList<AuditSegmentInfo>>([.. Segments]);

    public async Task DropExpiredAsync()
    {
        var cutoff = RetentionCutoff();
        var expired = Segments.Where(s => AuditSegmentInfo.EndOf(s.Day) <= cutoff).ToList();
        if (expired.Count == 0)
        {
            return;
        }

        // Segments are cleared before they leave the index, so a failure part way leaves listed segments that the
        // next attempt drops, never stored segments that nothing lists.
        var dropped = await Task.WhenAll(
            expired.Select(async s => (Segment: s, Dropped: await Segment(s).DropIfExpiredAsync())));
        if (Segments.RemoveAll(s => dropped.Any(d => d.Dropped && d.Segment == s)) > 0)
        {
            await WriteStateAsync();
        }

        if (Segments.Count == 0)
        {
            await UnregisterReminderAsync();
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == RetentionReminder)
        {
            await DropExpiredAsync();
        }
    }

    private async Task AppendOneAsync(AuditEntry entry)
    {
        var bounded = entry with { Before = AuditValues.Bound(entry.Before), After = AuditValues.Bound(entry.After) };
        var day = AuditSegmentInfo.DayOf(entry.At);
        var ofDay = Segments.Where(s => s.Day == day).OrderBy(s => s.Number).ToList();

        // An entry sent again can sit in an earlier segment of its day, which only takes appends while it is last.
        if (ofDay.Count > 1)
        {
            var found = await Task.WhenAll(ofDay.SkipLast(1).Select(s => Segment(s).ContainsAsync(entry.Id)));
            if (found.Any(f => f))
            {
                return;
            }
        }

        var current = ofDay.LastOrDefault() ?? await AddSegmentAsync(new AuditSegmentInfo(day, 0));
        if (await Segment(current).AppendAsync(bounded) != AuditAppendResult.Full)
        {
            return;
        }

        var next = await AddSegmentAsync(current with { Number = current.Number + 1 });
        if (await Segment(next).AppendAsync(bounded) == AuditAppendResult.Full)
        {
            throw new InvalidOperationException(
                $"Audit entry '{entry.Id}' does not fit an empty segment of {AuditSegmentGrain.MaxBytes} bytes.");
        }
    }

    // The index lists a segment before the segment stores anything, so no stored segment is ever unlisted.
    private async Task<AuditSegmentInfo> AddSegmentAsync(AuditSegmentInfo segment)
    {
        Segments.Add(segment);
        Segments.Sort((a, b) => a.Day != b.Day ? a.Day.CompareTo(b.Day) : a.Number.CompareTo(b.Number));
        await WriteStateAsync();
        return segment;
    }

    private async Task EnsureReminderAsync()
    {
        if (_reminderChecked || Segments.Count == 0)
        {
            return;
        }

        if (await this.GetReminder(RetentionReminder) is null)
        {
            await this.RegisterOrUpdateReminder(RetentionReminder, TimeSpan.FromDays(1), TimeSpan.FromDays(1));
        }

        _reminderChecked = true;
    }

    private async Task UnregisterReminderAsync()
    {
        _reminderChecked = false;
        if (await this.GetReminder(RetentionReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private DateTimeOffset RetentionCutoff() => clock.GetUtcNow() - options.Value.Retention;

    private IAuditSegmentGrain Segment(AuditSegmentInfo segment) =>
        GrainFactory.GetGrain<IAuditSegmentGrain>(segment.GrainKey(WorkspaceId));

    private async Task WriteStateAsync()
    {
        try
        {
            await log.WriteStateAsync();
        }
        catch (Exception exception)
        {
            LogWriteFailed(exception, WorkspaceId);
            DeactivateOnIdle();
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Skipped audit entry {EntryId} of workspace {WorkspaceId} made at {At}, which is already past the retention")]
    private partial void LogExpiredEntrySkipped(string entryId, string workspaceId, DateTimeOffset at);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Failed to write the audit log index of workspace {WorkspaceId}; deactivating to reload the stored state")]
    private partial void LogWriteFailed(Exception exception, string workspaceId);
}

/// <summary>The persisted state of a workspace's audit log index.</summary>
[GenerateSerializer, Alias("sendora.AuditLogState")]
public sealed class AuditLogState
{
    /// <summary>The segments that may store entries, ordered by day and then number.</summary>
    [Id(0)] public List<AuditSegmentInfo> Segments { get; set; } = [];
}
