using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sendora.Grains.Health;
using Sendora.Grains.Inspection;

namespace Sendora.Grains.Channels;

/// <summary>
/// Sends one delivery: applies the workspace's rules, saves <c>sending</c>, calls the provider and saves the
/// outcome. Quiet hours and temporary failures wait for a reminder, with a timer for short waits.
/// </summary>
/// <remarks>
/// An activation that finds <c>sending</c> can tell that the previous one stopped mid-send. Email and push then become
/// <c>outcome_unknown</c>, because sending again could reach the person twice; a webhook is sent again, because it
/// carries the delivery id in <c>Idempotency-Key</c> for the receiver to drop the repeat.
/// </remarks>
public sealed partial class DeliveryGrain(
    [PersistentState("delivery", SendoraNames.GrainStorage)] IPersistentState<DeliveryState> delivery,
    IOptions<ChannelOptions> options,
    DeliverySenders senders,
    TimeProvider clock,
    ILogger<DeliveryGrain> logger) : Grain, IDeliveryGrain, IRemindable
{
    private const string RetryReminder = "delivery";

    /// <summary>Waits up to this long also get a timer, because a reminder may fire up to a minute late.</summary>
    private static readonly TimeSpan TimerHorizon = TimeSpan.FromMinutes(2);

    private readonly ChannelOptions _options = options.Value;
    private string _workspaceId = string.Empty;
    private string _deliveryId = string.Empty;
    private IGrainTimer? _timer;

    private string Key => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_workspaceId, _deliveryId) = GrainKeys.Split(Key);
        var record = delivery.State.Record;
        if (record?.Status != DeliveryStatuses.Sending)
        {
            return;
        }

        if (record.Channel == DeliveryChannels.Webhook)
        {
            LogResendingWebhook(Key);
            await ScheduleAsync(record with { Status = DeliveryStatuses.Retrying, Reason = "The silo stopped during the send." },
                clock.GetUtcNow());
            return;
        }

        LogOutcomeUnknown(Key, record.Channel);
        await SaveAsync(record with
        {
            Status = DeliveryStatuses.OutcomeUnknown,
            Reason = "The silo stopped during the send, so the provider may have accepted it; it is not sent again.",
        });
    }

    public async Task<DeliveryRecord> SendAsync(DeliveryRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (delivery.State.Record is { } existing)
        {
            return existing;
        }

        Validate(request);
        if (request.DeliveryId != _deliveryId)
        {
            throw new ArgumentException(
                $"The request's delivery id '{request.DeliveryId}' differs from the grain key '{Key}'.", nameof(request));
        }

        var now = clock.GetUtcNow();
        delivery.State.Request = request;
        delivery.State.Record = new DeliveryRecord
        {
            DeliveryId = request.DeliveryId,
            Channel = request.Channel,
            ProfileId = request.ProfileId,
            JourneyId = request.JourneyId,
            StepId = request.StepId,
            Status = DeliveryStatuses.Queued,
            QueuedAt = now,
            UpdatedAt = now,
        };
        return await AttemptAsync();
    }

    public Task<DeliveryRecord?> GetAsync() => Task.FromResult(delivery.State.Record);

    public Task<GrainInspection> InspectAsync(int maxItems) => Task.FromResult(GrainInspector.Inspect(this, delivery, maxItems));

    public async Task<DeliveryRecord?> ResumeAsync()
    {
        await RunIfDueAsync();
        return delivery.State.Record;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (delivery.State.Record is not { } record || DeliveryStatuses.IsFinal(record.Status))
        {
            await UnregisterReminderAsync();
            return;
        }

        await RunIfDueAsync();
    }

    private async Task RunIfDueAsync()
    {
        if (delivery.State.Record is { Status: DeliveryStatuses.Queued or DeliveryStatuses.Retrying } record
            && record.NextAttemptAt is { } due && due <= clock.GetUtcNow())
        {
            await AttemptAsync();
        }
    }

    /// <summary>
    /// Attempts the delivery when the timer of a short wait fires. It skips the due time check, because the timer
    /// fires when the wait is over even if the silo's clock is behind.
    /// </summary>
    private async Task RunOnTimerAsync()
    {
        _timer?.Dispose();
        _timer = null;
        if (delivery.State.Record is { Status: DeliveryStatuses.Queued or DeliveryStatuses.Retrying })
        {
            await AttemptAsync();
        }
    }

    /// <summary>Saves <paramref name="record"/> as queued or retrying until <paramref name="due"/>, with a reminder and, for a short wait, a timer.</summary>
    private async Task ScheduleAsync(DeliveryRecord record, DateTimeOffset due)
    {
        var delay = due - clock.GetUtcNow();
        if (delay < TimeSpan.Zero)
        {
            delay = TimeSpan.Zero;
        }

        delivery.State.HasReminder = true;
        await SaveAsync(record with { NextAttemptAt = due });
        await this.RegisterOrUpdateReminder(RetryReminder, delay, TimeSpan.FromMinutes(1));
        if (delay <= TimerHorizon)
        {
            _timer?.Dispose();
            _timer = this.RegisterGrainTimer(
                _ => RunOnTimerAsync(), new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        }
    }

    private async Task UnregisterReminderAsync()
    {
        _timer?.Dispose();
        _timer = null;
        delivery.State.HasReminder = false;
        if (await this.GetReminder(RetryReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    /// <summary>Saves the record and copies it to the profile's and the step's logs, unless it is <c>sending</c>.</summary>
    private async Task SaveAsync(DeliveryRecord record)
    {
        await WriteRecordAsync(record);
        if (delivery.State.Record!.Status != DeliveryStatuses.Sending)
        {
            await ReportAsync(delivery.State.Record);
        }
    }

    /// <summary>
    /// Saves the state with <paramref name="record"/> as its record. A record that becomes final is counted in
    /// <see cref="SendoraMetrics"/> once it is saved.
    /// </summary>
    private async Task WriteRecordAsync(DeliveryRecord record)
    {
        var wasFinal = delivery.State.Record is { } previous && DeliveryStatuses.IsFinal(previous.Status);
        delivery.State.Record = record with { UpdatedAt = clock.GetUtcNow() };
        try
        {
            await delivery.WriteStateAsync();
        }
        catch (Exception exception)
        {
            LogSaveFailed(exception, Key);
            DeactivateOnIdle();
            throw;
        }

        if (!wasFinal && DeliveryStatuses.IsFinal(record.Status))
        {
            SendoraMetrics.RecordDelivery(_workspaceId, record.Channel, record.Status);
        }
    }

    private async Task ReportAsync(DeliveryRecord record)
    {
        try
        {
            var reports = new List<Task>
            {
                GrainFactory.GetGrain<IProfileDeliveryGrain>(GrainKeys.Scoped(_workspaceId, record.ProfileId)).RecordAsync(record),
            };
            if (DeliveryStatuses.IsFinal(record.Status))
            {
                reports.Add(GrainFactory.GetGrain<IDeliveryHealthGrain>(GrainKeys.Scoped(_workspaceId, record.Channel))
                    .RecordAsync(record.Status, record.UpdatedAt));
            }

            if (record.JourneyId is { } journeyId && record.StepId is { } stepId)
            {
                reports.Add(GrainFactory.GetGrain<IStepDeliveryLogGrain>(GrainKeys.Scoped(_workspaceId, $"{journeyId}/{stepId}"))
                    .RecordAsync(record));
            }

            await Task.WhenAll(reports);
        }
        catch (Exception exception)
        {
            // The delivery's own record is saved and authoritative, and the logs and health counts are views of it.
            LogReportFailed(exception, Key, record.Status);
        }
    }

    private static void Validate(DeliveryRequest request)
    {
        ArgumentException.ThrowIfNullOrEmpty(request.DeliveryId);
        ArgumentException.ThrowIfNullOrEmpty(request.ProfileId);
        var content = request.Channel switch
        {
            DeliveryChannels.Email => (object?)request.Email,
            DeliveryChannels.Push => request.Push,
            DeliveryChannels.Webhook => request.Webhook,
            _ => throw new ArgumentException($"Unknown channel '{request.Channel}'; expected email, push or webhook.", nameof(request)),
        };
        if (content is null)
        {
            throw new ArgumentException($"A {request.Channel} delivery needs its {request.Channel} content.", nameof(request));
        }

        try
        {
            using var context = JsonDocument.Parse(request.ContextJson);
            if (context.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new ArgumentException("ContextJson must be a JSON object.", nameof(request));
            }
        }
        catch (JsonException exception)
        {
            throw new ArgumentException($"ContextJson is not valid JSON: {exception.Message}", nameof(request), exception);
        }
    }
}
