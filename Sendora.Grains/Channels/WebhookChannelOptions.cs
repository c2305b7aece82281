namespace Sendora.Grains.Channels;

/// <summary>Settings of the webhook channel, bound from <c>Sendora:Channels:Webhook</c>.</summary>
public sealed class WebhookChannelOptions : RetrySchedule
{
    /// <summary>
    /// The secret of the <c>Sendora-Signature</c> header when the request carries none. Default empty:
    /// webhook deliveries without their own secret fail naming this key.
    /// </summary>
    public string? SigningSecret { get; set; }

    /// <summary>The timeout of one POST. Default 30 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
