using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sendora.Grains.Channels;

namespace Sendora.Silo.Hosting;

/// <summary>
/// Logs at start which channels lack settings, whose deliveries will fail, and creates the unsubscribe signer so
/// that a missing signing key is reported at start rather than at the first email.
/// </summary>
internal sealed partial class ChannelSettingsReport(
    IOptions<ChannelOptions> options, EmailSender email, UnsubscribeTokens unsubscribeTokens, ILogger<ChannelSettingsReport> logger)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Constructing the signer is what logs a missing signing key.
        _ = unsubscribeTokens;
        var settings = options.Value;
        if (email.MissingSetting() is { } missing)
        {
            LogChannelNotConfigured(DeliveryChannels.Email, missing);
        }

        if (string.IsNullOrWhiteSpace(settings.Push.ServiceAccountJson) && string.IsNullOrWhiteSpace(settings.Push.ServiceAccountPath))
        {
            LogChannelNotConfigured(DeliveryChannels.Push, $"{ChannelOptions.SectionName}:Push:ServiceAccountJson or ServiceAccountPath");
        }

        if (string.IsNullOrWhiteSpace(settings.Webhook.SigningSecret))
        {
            LogChannelNotConfigured(DeliveryChannels.Webhook, $"{ChannelOptions.SectionName}:Webhook:SigningSecret");
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information,
        Message = "The {Channel} channel is not configured, so its deliveries fail until {Key} is set")]
    private partial void LogChannelNotConfigured(string channel, string key);
}
