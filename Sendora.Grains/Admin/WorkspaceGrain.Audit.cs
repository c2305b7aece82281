using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sendora.Grains.Admin.Audit;

namespace Sendora.Grains.Admin;

public sealed partial class WorkspaceGrain
{
    private static readonly TimeSpan AuditRetryDelay = TimeSpan.FromSeconds(5);

    private IGrainTimer? _auditRetryTimer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The previous activation saved entries that it could not send before it stopped.
        if (workspace.State.AuditOutbox.Count > 0)
        {
            ScheduleAuditRetry(TimeSpan.Zero);
        }

        return Task.CompletedTask;
    }

    // The next state write saves the entry together with the change it describes.
    private void QueueAudit(AuditEntry change)
    {
        ArgumentNullException.ThrowIfNull(change);
        workspace.State.AuditOutbox.Add(change);
    }

    /// <summary>
    /// Sends the saved outbox to the audit log, then saves the outbox without the sent entries. A failed send is
    /// tried again by a timer, and a failed save leaves entries that are sent again and skipped by the log as
    /// repeats. Neither failure reaches the caller, whose change is saved.
    /// </summary>
    private async Task SendAuditOutboxAsync()
    {
        var outbox = workspace.State.AuditOutbox;
        if (outbox.Count == 0 || _stale)
        {
            return;
        }

        var batch = outbox.ToList();
        try
        {
            await GrainFactory.GetGrain<IAuditLogGrain>(WorkspaceId).AppendAsync(batch);
        }
        catch (Exception exception)
        {
            LogAuditSendFailed(exception, batch.Count, WorkspaceId);
            ScheduleAuditRetry(AuditRetryDelay);
            return;
        }

        outbox.RemoveRange(0, batch.Count);
        try
        {
            await WriteStateAsync();
        }
        catch (Exception)
        {
            // WriteStateAsync logged it and deactivates this activation. The next one loads the outbox with the
            // sent entries and sends them again.
        }
    }

    private void ScheduleAuditRetry(TimeSpan delay)
    {
        _auditRetryTimer?.Dispose();

        // KeepAlive keeps the activation until the entries are sent, because nothing else may wake it.
        _auditRetryTimer = this.RegisterGrainTimer(
            _ => RetryAuditOutboxAsync(),
            new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    private Task RetryAuditOutboxAsync()
    {
        _auditRetryTimer?.Dispose();
        _auditRetryTimer = null;
        return SendAuditOutboxAsync();
    }

    private string SourceTarget(string sourceId) => $"workspaces/{WorkspaceId}/sources/{sourceId}";

    // Write keys are credentials, so audit entries name sources without them.
    private static object SourceSummary(SourceInfo source) =>
        new { id = source.Id, name = source.Name, enabled = source.Enabled, createdAt = source.CreatedAt };

    private static string AuditJson(object value) => JsonSerializer.Serialize(value, JsonSerializerOptions.Web);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Failed to send {Count} audit entries of workspace {WorkspaceId} to the audit log; retrying")]
    private partial void LogAuditSendFailed(Exception exception, int count, string workspaceId);
}
