using Microsoft.Extensions.Logging;

namespace Sendora.Grains.Channels;

public sealed partial class DeliveryGrain
{
    [LoggerMessage(Level = LogLevel.Trace, Message = "Sent {Channel} delivery {DeliveryKey} after {Attempts} attempts")]
    private partial void LogSent(string deliveryKey, string channel, int attempts);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Retrying {Channel} delivery {DeliveryKey} after {Attempts} attempts at {DueAt}")]
    private partial void LogRetrying(string deliveryKey, string channel, int attempts, DateTimeOffset dueAt);

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Channel} delivery {DeliveryKey} failed after {Attempts} attempts; its record has the reason")]
    private partial void LogFailed(string deliveryKey, string channel, int attempts);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The {Channel} delivery {DeliveryKey} was being sent when its silo stopped; it is marked outcome_unknown and not sent again")]
    private partial void LogOutcomeUnknown(string deliveryKey, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The webhook delivery {DeliveryKey} was being sent when its silo stopped; sending it again")]
    private partial void LogResendingWebhook(string deliveryKey);

    [LoggerMessage(Level = LogLevel.Error, Message = "Failed to save delivery {DeliveryKey}; deactivating so the next call reloads it")]
    private partial void LogSaveFailed(Exception exception, string deliveryKey);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed to copy delivery {DeliveryKey} with status {Status} to its delivery logs")]
    private partial void LogReportFailed(Exception exception, string deliveryKey, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed to remove the unregistered push tokens of delivery {DeliveryKey} from its profile")]
    private partial void LogTokenRemovalFailed(Exception exception, string deliveryKey);
}
