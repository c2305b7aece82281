namespace Sendora.Grains.Channels;

/// <summary>The statuses of a delivery, as stored in its record and shown in delivery logs.</summary>
public static class DeliveryStatuses
{
    /// <summary>Held by quiet hours; a reminder sends it when the window opens.</summary>
    public const string Queued = "queued";

    /// <summary>Persisted before the provider is called; the outcome replaces it.</summary>
    public const string Sending = "sending";

    public const string Sent = "sent";

    /// <summary>Given up, with the reason in the record.</summary>
    public const string Failed = "failed";

    /// <summary>A temporary failure; a reminder sends it again after a backoff.</summary>
    public const string Retrying = "retrying";

    /// <summary>Not sent because the profile unsubscribed, the address is undeliverable or the profile was deleted.</summary>
    public const string Suppressed = "suppressed";

    /// <summary>Not sent because the profile reached the channel's frequency cap.</summary>
    public const string Capped = "capped";

    /// <summary>The silo stopped during the send, so whether the provider accepted it is unknown.</summary>
    public const string OutcomeUnknown = "outcome_unknown";

    /// <summary>Returns whether no further attempt will be made.</summary>
    public static bool IsFinal(string status) => status is Sent or Failed or Suppressed or Capped or OutcomeUnknown;
}
