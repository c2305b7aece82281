using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sendora.Grains.Channels;

namespace Sendora.Grains.Health;

/// <summary>Stores a workspace's alerts and POSTs each opening and resolution to the alert webhook.</summary>
public sealed partial class AlertGrain(
    [PersistentState("alerts", SendoraNames.GrainStorage)] IPersistentState<AlertState> alerts,
    IOptions<HealthOptions> options,
    IOptions<ChannelOptions> channelOptions,
    WebhookSender sender,
    TimeProvider clock,
    ILogger<AlertGrain> logger) : Grain, IAlertGrain, IRemindable
{
    private readonly HealthOptions _options = options.Value;

    private string WorkspaceId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (alerts.State.Outbox.Count > 0)
        {
            await ScheduleSendAsync();
        }
    }

    public async Task<AlertRecord> OpenAsync(AlertMeasurement measurement)
    {
        ArgumentNullException.ThrowIfNull(measurement);
        var index = alerts.State.Alerts.FindIndex(a => IsOpenAlertOf(a, measurement));
        if (index >= 0)
        {
            var open = alerts.State.Alerts[index];
            var updated = open with
            {
                Observed = measurement.Observed,
                Expected = measurement.Expected,
                Message = measurement.Message,
                UpdatedAt = measurement.At,
            };
            if (updated != open)
            {
                alerts.State.Alerts[index] = updated;
                await SaveAsync();
            }

            return updated;
        }

        var alert = new AlertRecord
        {
            Id = "alert_" + Guid.NewGuid().ToString("N"),
            Kind = measurement.Kind,
            Subject = measurement.Subject,
            OpenedAt = measurement.At,
            Observed = measurement.Observed,
            Expected = measurement.Expected,
            Message = measurement.Message,
            UpdatedAt = measurement.At,
        };
        alerts.State.Alerts.Add(alert);
        LogOpened(alert.Kind, alert.Subject, WorkspaceId, alert.Message);
        await ChangeAsync(alert, "alert.opened");
        return alert;
    }

    public async Task<AlertRecord?> ResolveAsync(AlertMeasurement measurement)
    {
        ArgumentNullException.ThrowIfNull(measurement);
        var index = alerts.State.Alerts.FindIndex(a => IsOpenAlertOf(a, measurement));
        if (index < 0)
        {
            return null;
        }

        var resolved = alerts.State.Alerts[index] with
        {
            ResolvedAt = measurement.At,
            Observed = measurement.Observed,
            Expected = measurement.Expected,
            Message = measurement.Message,
            UpdatedAt = measurement.At,
        };
        alerts.State.Alerts[index] = resolved;
        DropOldResolved();
        LogResolved(resolved.Kind, resolved.Subject, WorkspaceId, resolved.Message);
        await ChangeAsync(resolved, "alert.resolved");
        return resolved;
    }

    public Task<IReadOnlyList<AlertRecord>> ListAsync()
    {
        var all = alerts.State.Alerts;
        IReadOnlyList<AlertRecord> list =
        [
            .. all.Where(a => a.ResolvedAt is null).OrderByDescending(a => a.OpenedAt),
            .. all.Where(a => a.ResolvedAt is not null).OrderByDescending(a => a.ResolvedAt),
        ];
        return Task.FromResult(list);
    }

    private static bool IsOpenAlertOf(AlertRecord alert, AlertMeasurement measurement) =>
        alert.ResolvedAt is null && alert.Kind == measurement.Kind && alert.Subject == measurement.Subject;

    private void DropOldResolved()
    {
        var resolved = alerts.State.Alerts.Where(a => a.ResolvedAt is not null).OrderBy(a => a.ResolvedAt).ToList();
        foreach (var old in resolved.Take(resolved.Count - _options.MaxResolvedAlerts))
        {
            alerts.State.Alerts.Remove(old);
        }
    }

    /// <summary>Saves a changed alert together with its webhook POST, so the POST is made once per change.</summary>
    private async Task ChangeAsync(AlertRecord alert, string type)
    {
        var queued = !string.IsNullOrWhiteSpace(_options.AlertWebhookUrl);
        if (queued)
        {
            alerts.State.Outbox.Add(new AlertNotification
            {
                Id = $"{alert.Id}.{(alert.ResolvedAt is null ? "opened" : "resolved")}",
                Body = AlertPayload.Serialize(WorkspaceId, type, alert),
                NextAttemptAt = clock.GetUtcNow(),
            });
        }

        await SaveAsync();
        if (queued)
        {
            await ScheduleSendAsync();
        }
    }

    private async Task SaveAsync()
    {
        try
        {
            await alerts.WriteStateAsync();
        }
        catch (Exception exception)
        {
            LogSaveFailed(exception, WorkspaceId);
            DeactivateOnIdle();
            throw;
        }
    }
}
