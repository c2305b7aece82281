using Microsoft.Extensions.Logging;
using Sendora.Grains.Channels;

namespace Sendora.Grains.Health;

public sealed partial class AlertGrain
{
    private const string SendReminder = "alert-webhook";

    private IGrainTimer? _sendTimer;

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (alerts.State.Outbox.Count == 0)
        {
            await UnregisterSendReminderAsync();
            return;
        }

        await SendDueAsync();
    }

    /// <summary>Sets a timer for the first pending POST, and a reminder that brings the grain back if it deactivates first.</summary>
    private async Task ScheduleSendAsync()
    {
        var due = alerts.State.Outbox[0].NextAttemptAt - clock.GetUtcNow();
        if (due < TimeSpan.Zero)
        {
            due = TimeSpan.Zero;
        }

        _sendTimer?.Dispose();
        _sendTimer = this.RegisterGrainTimer(
            _ => SendDueAsync(), new GrainTimerCreationOptions(due, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        if (await this.GetReminder(SendReminder) is null)
        {
            await this.RegisterOrUpdateReminder(SendReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
    }

    /// <summary>POSTs pending notifications in order until one has to wait for a retry.</summary>
    private async Task SendDueAsync()
    {
        _sendTimer?.Dispose();
        _sendTimer = null;
        var webhook = channelOptions.Value.Webhook;
        while (alerts.State.Outbox.Count > 0)
        {
            var notification = alerts.State.Outbox[0];
            var now = clock.GetUtcNow();
            if (notification.NextAttemptAt > now)
            {
                await ScheduleSendAsync();
                return;
            }

            if (string.IsNullOrWhiteSpace(_options.AlertWebhookUrl))
            {
                // The URL was removed from the configuration since the change was queued.
                alerts.State.Outbox.Clear();
                await SaveAsync();
                break;
            }

            var content = new WebhookContent(_options.AlertWebhookUrl, Headers: null, BodyTemplate: null,
                SigningSecret: _options.AlertWebhookSecret);
            var outcome = await sender.SendAsync(notification.Id, content, notification.Body, CancellationToken.None);
            var attempts = notification.Attempts + 1;
            var firstAttemptAt = notification.FirstAttemptAt ?? now;
            var retryAt = webhook.NextAttempt(clock.GetUtcNow(), firstAttemptAt, attempts, outcome.RetryAfter);
            if (outcome.Status == DeliveryStatuses.Retrying && retryAt is { } due)
            {
                LogSendRetrying(notification.Id, WorkspaceId, attempts, outcome.Reason);
                alerts.State.Outbox[0] = notification with
                {
                    Attempts = attempts, FirstAttemptAt = firstAttemptAt, NextAttemptAt = due,
                };
                await SaveAsync();
                await ScheduleSendAsync();
                return;
            }

            if (outcome.Status != DeliveryStatuses.Sent)
            {
                LogSendFailed(notification.Id, WorkspaceId, attempts, outcome.Reason);
            }

            alerts.State.Outbox.RemoveAt(0);
            await SaveAsync();
        }

        await UnregisterSendReminderAsync();
    }

    private async Task UnregisterSendReminderAsync()
    {
        if (await this.GetReminder(SendReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Opened {Kind} alert of {Subject} in workspace {WorkspaceId}: {AlertMessage}")]
    private partial void LogOpened(string kind, string subject, string workspaceId, string alertMessage);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resolved {Kind} alert of {Subject} in workspace {WorkspaceId}: {AlertMessage}")]
    private partial void LogResolved(string kind, string subject, string workspaceId, string alertMessage);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Alert webhook POST {NotificationId} of workspace {WorkspaceId} failed on attempt {Attempts}; retrying: {Reason}")]
    private partial void LogSendRetrying(string notificationId, string workspaceId, int attempts, string? reason);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Alert webhook POST {NotificationId} of workspace {WorkspaceId} failed after {Attempts} attempts and is dropped: {Reason}")]
    private partial void LogSendFailed(string notificationId, string workspaceId, int attempts, string? reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Failed to save the alerts of workspace {WorkspaceId}; deactivating so the next call reloads them")]
    private partial void LogSaveFailed(Exception exception, string workspaceId);
}
