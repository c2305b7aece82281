namespace Sendora.Grains.Channels;

/// <summary>
/// FCM settings of the push channel, bound from <c>Sendora:Channels:Push</c>. Replies 429 and 5xx, and requests that
/// fail or time out, are retried; <see cref="RetrySchedule.RetryPeriod"/> defaults to 1 hour here, because a
/// notification that arrives much later than its event mostly confuses.
/// </summary>
public sealed class PushChannelOptions : RetrySchedule
{
    public PushChannelOptions()
    {
        RetryPeriod = TimeSpan.FromHours(1);
        MaxRetryDelay = TimeSpan.FromMinutes(10);
    }

    /// <summary>The Firebase project id. Default empty: the service account's <c>project_id</c>.</summary>
    public string? ProjectId { get; set; }

    /// <summary>A service account key file's JSON. Default empty: <see cref="ServiceAccountPath"/> is read.</summary>
    public string? ServiceAccountJson { get; set; }

    /// <summary>The path of a service account key file. Default empty: push deliveries fail naming both keys.</summary>
    public string? ServiceAccountPath { get; set; }

    /// <summary>The OAuth token endpoint. Default empty: the service account's <c>token_uri</c>.</summary>
    public string? TokenUri { get; set; }

    /// <summary>The FCM API's base address. Default <c>https://fcm.googleapis.com</c>.</summary>
    public string BaseUrl { get; set; } = "https://fcm.googleapis.com";

    /// <summary>The timeout of one FCM request. Default 30 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
