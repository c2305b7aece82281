namespace Sendora.Grains.Channels;

/// <summary>The result of one attempt to hand a delivery to its provider.</summary>
public sealed record SendOutcome
{
    /// <summary><see cref="DeliveryStatuses.Sent"/>, <see cref="DeliveryStatuses.Failed"/> or <see cref="DeliveryStatuses.Retrying"/>.</summary>
    public required string Status { get; init; }

    public string? Reason { get; init; }

    public string? ProviderMessageId { get; init; }

    /// <summary>An email address that the server rejected permanently.</summary>
    public string? UndeliverableAddress { get; init; }

    public IReadOnlyList<PushToken> UnregisteredTokens { get; init; } = [];

    /// <summary>How long the provider asked to wait before the next attempt, from its <c>Retry-After</c> header.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Reads a <c>Retry-After</c> header, in seconds or as a date, relative to <paramref name="now"/>.</summary>
    public static TimeSpan? ReadRetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(response);
        return response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
            _ => null,
        };
    }

    public static SendOutcome Sent(string? providerMessageId) =>
        new() { Status = DeliveryStatuses.Sent, ProviderMessageId = providerMessageId };

    public static SendOutcome Failed(string reason) => new() { Status = DeliveryStatuses.Failed, Reason = reason };

    /// <summary>A failure that may pass, such as a 5xx reply or a refused connection.</summary>
    public static SendOutcome Temporary(string reason) => new() { Status = DeliveryStatuses.Retrying, Reason = reason };
}
