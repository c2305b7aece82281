using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sendora.Grains.Channels;

namespace Sendora.Grains.Health;

/// <summary>
/// Counts a channel's final delivery statuses per minute and opens the channel's delivery alert when the share sent
/// over the last hour falls below <see cref="HealthOptions.DeliverySuccessThreshold"/>.
/// </summary>
public sealed partial class DeliveryHealthGrain(
    [PersistentState("deliveryhealth", SendoraNames.GrainStorage)] IPersistentState<DeliveryHealthState> health,
    IOptions<HealthOptions> options,
    TimeProvider clock,
    ILogger<DeliveryHealthGrain> logger) : Grain, IDeliveryHealthGrain, IRemindable
{
    private const string CheckReminder = "delivery-check";

    private static readonly TimeSpan Window = TimeSpan.FromHours(1);
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    private readonly HealthOptions _options = options.Value;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(
            _ => CheckAsync(), new GrainTimerCreationOptions(_options.CheckInterval, _options.CheckInterval) { KeepAlive = false });
        return Task.CompletedTask;
    }

    public async Task RecordAsync(string status, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrEmpty(status);
        var cutoff = Cutoff(clock.GetUtcNow());
        TimeBuckets.RemoveBefore(health.State.Minutes, cutoff);
        if (at >= cutoff)
        {
            var counts = TimeBuckets.GetOrAdd(health.State.Minutes, TimeBuckets.Floor(at, Minute),
                start => new DeliveryCounts { Start = start });
            switch (status)
            {
                case DeliveryStatuses.Sent:
                    counts.Sent++;
                    break;
                case DeliveryStatuses.Failed:
                    counts.Failed++;
                    break;
                case DeliveryStatuses.OutcomeUnknown:
                    counts.OutcomeUnknown++;
                    break;
                case DeliveryStatuses.Suppressed or DeliveryStatuses.Capped:
                    counts.NotAttempted++;
                    break;
                default:
                    throw new ArgumentException($"'{status}' is not a final delivery status.", nameof(status));
            }
        }

        if (!await CheckAsync())
        {
            await SaveAsync();
        }
    }

    public Task<DeliveryHealthReport> GetAsync() => Task.FromResult(Summarize(clock.GetUtcNow()));

    public Task ReceiveReminder(string reminderName, TickStatus status) => CheckAsync();

    /// <summary>Opens or resolves the alert when the last hour's rate calls for it; returns whether the state was saved.</summary>
    private async Task<bool> CheckAsync()
    {
        var now = clock.GetUtcNow();
        var report = Summarize(now);
        var failing = report.Attempted >= _options.DeliveryMinimumVolume && report.SuccessRate < _options.DeliverySuccessThreshold;
        var recovered = report.Attempted == 0 || report.SuccessRate >= _options.DeliverySuccessThreshold;
        if (failing == health.State.AlertOpen || (!failing && !recovered))
        {
            return false;
        }

        var (workspaceId, channel) = GrainKeys.Split(this.GetPrimaryKeyString());
        var measurement = new AlertMeasurement(
            AlertKinds.DeliverySuccess, channel, report.SuccessRate ?? 1, _options.DeliverySuccessThreshold, Describe(channel, report), now);
        var alerts = GrainFactory.GetGrain<IAlertGrain>(workspaceId);
        if (failing)
        {
            await alerts.OpenAsync(measurement);
            await this.RegisterOrUpdateReminder(CheckReminder, TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(5));
        }
        else
        {
            await alerts.ResolveAsync(measurement);
            if (await this.GetReminder(CheckReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }

        health.State.AlertOpen = failing;
        await SaveAsync();
        return true;
    }

    private DeliveryHealthReport Summarize(DateTimeOffset now)
    {
        var cutoff = Cutoff(now);
        var minutes = health.State.Minutes.Where(m => m.Start >= cutoff).ToList();
        var sent = minutes.Sum(m => m.Sent);
        var attempted = sent + minutes.Sum(m => m.Failed + m.OutcomeUnknown);
        return new DeliveryHealthReport
        {
            Sent = sent,
            Failed = minutes.Sum(m => m.Failed),
            OutcomeUnknown = minutes.Sum(m => m.OutcomeUnknown),
            NotAttempted = minutes.Sum(m => m.NotAttempted),
            SuccessRate = attempted == 0 ? null : (double)sent / attempted,
            AlertOpen = health.State.AlertOpen,
        };
    }

    /// <summary>Returns the start of the oldest minute in the last hour at <paramref name="now"/>.</summary>
    private static DateTimeOffset Cutoff(DateTimeOffset now) => TimeBuckets.Floor(now - Window, Minute) + Minute;

    private string Describe(string channel, DeliveryHealthReport report) => string.Format(
        CultureInfo.InvariantCulture,
        "{0} of {1} {2} deliveries in the last hour were sent ({3:P1}); the alert threshold is {4:P1} with at least {5} deliveries.",
        report.Sent, report.Attempted, channel, report.SuccessRate ?? 1, _options.DeliverySuccessThreshold, _options.DeliveryMinimumVolume);

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

    [LoggerMessage(Level = LogLevel.Error, Message = "Failed to save the delivery health of {ChannelKey}; deactivating so the next call reloads it")]
    private partial void LogSaveFailed(Exception exception, string channelKey);
}

/// <summary>The persisted delivery counts of a channel.</summary>
[GenerateSerializer, Alias("sendora.DeliveryHealthState")]
public sealed class DeliveryHealthState
{
    /// <summary>Final statuses per minute over the last hour, oldest first.</summary>
    [Id(0)] public List<DeliveryCounts> Minutes { get; set; } = [];

    /// <summary>True while the channel's delivery alert is open.</summary>
    [Id(1)] public bool AlertOpen { get; set; }
}
