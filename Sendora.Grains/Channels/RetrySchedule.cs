namespace Sendora.Grains.Channels;

/// <summary>
/// How a channel retries temporary failures: waits that double from <see cref="InitialRetryDelay"/> up to
/// <see cref="MaxRetryDelay"/>, jittered ±50%, for at most <see cref="RetryPeriod"/> after the first attempt.
/// </summary>
public abstract class RetrySchedule
{
    /// <summary>How long after the first attempt retries continue. Default 4 hours.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromHours(4);

    /// <summary>The mean wait before the first retry, doubled for each further one and jittered ±50%. Default 30 seconds.</summary>
    public TimeSpan InitialRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest wait between two attempts. Default 30 minutes.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Returns the wait after <paramref name="attempts"/> failed attempts: doubled each time, capped, jittered ±50%.</summary>
    public TimeSpan RetryDelay(int attempts)
    {
        var mean = Math.Min(InitialRetryDelay.Ticks * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30)), MaxRetryDelay.Ticks);
        return TimeSpan.FromTicks((long)(mean * (0.5 + Random.Shared.NextDouble())));
    }

    /// <summary>
    /// Returns when to try again after <paramref name="attempts"/> attempts that began at <paramref name="firstAttempt"/>,
    /// or null once that would pass <see cref="RetryPeriod"/>. A provider's <c>Retry-After</c> (<paramref name="retryAfter"/>)
    /// replaces the backoff when it is longer, capped at <see cref="MaxRetryDelay"/>.
    /// </summary>
    public DateTimeOffset? NextAttempt(DateTimeOffset now, DateTimeOffset firstAttempt, int attempts, TimeSpan? retryAfter)
    {
        var wait = RetryDelay(attempts);
        if (retryAfter is { } asked && asked > wait)
        {
            wait = asked < MaxRetryDelay ? asked : MaxRetryDelay;
        }

        var due = now + wait;
        return due <= firstAttempt + RetryPeriod ? due : null;
    }
}
