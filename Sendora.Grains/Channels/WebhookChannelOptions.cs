namespace Sendora.Grains.Channels;

/// <summary>Settings of the webhook channel, bound from <c>Sendora:Channels:Webhook</c>.</summary>
public sealed class WebhookChannelOptions
{
    /// <summary>
    /// The secret of the <c>Sendora-Signature</c> header when the request carries none. Default empty:
    /// webhook deliveries without their own secret fail naming this key.
    /// </summary>
    public string? SigningSecret { get; set; }

    /// <summary>How long after the first attempt retries continue. Default 4 hours.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromHours(4);

    /// <summary>The mean wait before the first retry, doubled for each further one and jittered ±50%. Default 30 seconds.</summary>
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between two attempts. Default 30 minutes.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The timeout of one POST. Default 30 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Returns the wait after <paramref name="attempts"/> failed attempts: doubled each time, capped, jittered ±50%.</summary>
    public TimeSpan RetryDelay(int attempts)
    {
        var mean = Math.Min(InitialRetryDelay.Ticks * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30)), MaxRetryDelay.Ticks);
        return TimeSpan.FromTicks((long)(mean * (0.5 + Random.Shared.NextDouble())));
    }
}
