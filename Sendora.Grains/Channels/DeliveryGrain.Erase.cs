using Microsoft.Extensions.Logging;

namespace Sendora.Grains.Channels;

public sealed partial class DeliveryGrain
{
    /// <summary>The reason of a queued or retrying delivery that an erasure of the profile ended.</summary>
    public const string ErasedBeforeSendingReason = "The profile was deleted before the delivery was sent.";

    /// <summary>The reason that replaces the reason of a final delivery.</summary>
    public const string ErasedReason = "Erased with the profile.";

    public async Task EraseAsync()
    {
        if (delivery.State.Record is not { } record)
        {
            return;
        }

        if (delivery.State.ErasedAt is null)
        {
            var pending = !DeliveryStatuses.IsFinal(record.Status);
            delivery.State.Request = delivery.State.Request is { } request
                ? request with { ContextJson = "{}", Email = null, Push = null, Webhook = null }
                : null;
            delivery.State.ErasedAt = clock.GetUtcNow();

            // A final delivery's reason may quote the address or a template value, so it is replaced too.
            var reason = record.Reason is null ? null : ErasedReason;
            if (pending)
            {
                reason = ErasedBeforeSendingReason;
            }

            await WriteRecordAsync(record with
            {
                Status = pending ? DeliveryStatuses.Suppressed : record.Status,
                Reason = reason,
                NextAttemptAt = null,
                ProviderMessageId = null,
                UnregisteredTokens = [],
            });
            LogErased(Key, record.Status);
        }

        // Runs on every call, so that a call made again after a failure between the save and this point still removes
        // the reminder and reduces the step's log entry. The profile's log is erased after its deliveries.
        if (delivery.State.HasReminder)
        {
            await UnregisterReminderAsync();
        }

        if (delivery.State.Record!.JourneyId is { } journeyId && delivery.State.Record.StepId is { } stepId)
        {
            await GrainFactory.GetGrain<IStepDeliveryLogGrain>(GrainKeys.Scoped(_workspaceId, $"{journeyId}/{stepId}"))
                .EraseAsync(delivery.State.Record);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Erased the profile's data from delivery {DeliveryKey}, which was {Status}")]
    private partial void LogErased(string deliveryKey, string status);
}
