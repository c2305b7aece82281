namespace Sendora.Grains.Health;

/// <summary>The kinds of alert a workspace can have.</summary>
public static class AlertKinds
{
    /// <summary>A source's accepted messages in the last full hour left the range around its typical volume.</summary>
    public const string Volume = "volume";

    /// <summary>A channel's share of sent deliveries in the last hour fell below the threshold.</summary>
    public const string DeliverySuccess = "delivery_success";

    /// <summary>A data sync's runs failed as many times in a row as <c>Sendora:Sync:FailureAlertThreshold</c>.</summary>
    public const string SyncFailure = "sync_failure";
}
