using Microsoft.Extensions.Logging;
using Sendora.Grains.Admin;
using Sendora.Grains.Health;

namespace Sendora.Grains.Ingestion;

public sealed partial class SourceHealthGrain
{
    private const string CheckReminder = "volume-check";

    /// <summary>How often the reminder wakes a silent source's grain, whose timer then runs the checks.</summary>
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long after an hour ends it is checked, so that gateways have handed over its counts: they flush every
    /// <c>Sendora:Gateway:CounterFlushInterval</c>, 1 second by default.
    /// </summary>
    private static readonly TimeSpan SettleTime = TimeSpan.FromMinutes(1);

    private VolumeCheck? _latestCheck;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var interval = healthOptions.Value.CheckInterval;
        this.RegisterGrainTimer(CheckVolumeAsync, new GrainTimerCreationOptions(interval, interval) { KeepAlive = false });
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => CheckVolumeAsync(CancellationToken.None);

    /// <summary>
    /// Checks the last full hour against the typical volume and opens or resolves the volume alert when the result
    /// differs from the alert's state. A source with no hourly data and no open alert drops its reminder.
    /// </summary>
    private async Task CheckVolumeAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var state = health.State;
        var changed = RemoveExpired(now);
        if (state.Hours.Count == 0 && !state.VolumeAlertOpen)
        {
            if (state.HasReminder)
            {
                await SetReminderAsync(false);
            }
            else if (changed)
            {
                await SaveAsync();
            }

            return;
        }

        if (!state.HasReminder)
        {
            await SetReminderAsync(true);
        }

        var (workspaceId, sourceId) = GrainKeys.Split(this.GetPrimaryKeyString());
        var source = (await GrainFactory.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync())?.Sources
            .FirstOrDefault(s => s.Id == sourceId);
        if (source is null)
        {
            return;
        }

        var percent = source.VolumeAlertPercent ?? healthOptions.Value.VolumeAlertPercent;
        var hourStart = TimeBuckets.Floor(now - SettleTime, Hour) - Hour;
        var check = _latestCheck = VolumeBaseline.Check(state.Hours, hourStart, percent);
        var alerts = GrainFactory.GetGrain<IAlertGrain>(workspaceId);
        if (check.IsOutside && (!state.VolumeAlertOpen || state.LastVolumeCheck != check))
        {
            await alerts.OpenAsync(Measure(sourceId, check, now));
            state.VolumeAlertOpen = true;
            state.LastVolumeCheck = check;
            await SaveAsync();
        }
        else if (!check.IsOutside && check.Expected is not null && state.VolumeAlertOpen)
        {
            await alerts.ResolveAsync(Measure(sourceId, check, now));
            state.VolumeAlertOpen = false;
            state.LastVolumeCheck = check;
            await SaveAsync();
        }
    }

    private static AlertMeasurement Measure(string sourceId, VolumeCheck check, DateTimeOffset now)
    {
        var message = FormattableString.Invariant(
            $"Source '{sourceId}' accepted {check.Observed} messages from {check.HourStart:HH:mm} to {check.HourStart + Hour:HH:mm} UTC; ") +
            FormattableString.Invariant(
                $"the typical volume of that hour over {check.DaysWithData} earlier days is {check.Expected:0.##}, ") +
            FormattableString.Invariant($"and the range is {check.Lower:0.##} to {check.Upper:0.##} (±{check.Percent}%).");
        return new AlertMeasurement(AlertKinds.Volume, sourceId, check.Observed, check.Expected ?? 0, message, now);
    }

    private async Task SetReminderAsync(bool registered)
    {
        if (registered)
        {
            await this.RegisterOrUpdateReminder(CheckReminder, ReminderPeriod, ReminderPeriod);
        }
        else if (await this.GetReminder(CheckReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        health.State.HasReminder = registered;
        await SaveAsync();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Failed to save the intake record of source {SourceKey}; deactivating so the next call reloads it")]
    private partial void LogSaveFailed(Exception exception, string sourceKey);
}
