using System.ComponentModel.DataAnnotations;

namespace Sendora.Grains.Health;

/// <summary>Settings of volume and delivery alerts, bound from <c>Sendora:Health</c>.</summary>
public sealed class HealthOptions
{
    public const string SectionName = "Sendora:Health";

    /// <summary>
    /// How far, in percent, an hour's accepted messages may stray from the typical volume of that hour before the
    /// source's volume alert opens, for sources without their own value. Default 50.
    /// </summary>
    [Range(1, 1_000)]
    public int VolumeAlertPercent { get; set; } = 50;

    /// <summary>How often an active source or channel health grain checks its alert. Default 1 minute.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The share of deliveries in the last hour that must be sent, from 0 to 1, below which a channel's delivery
    /// alert opens. Default 0.9.
    /// </summary>
    [Range(0.0, 1.0)]
    public double DeliverySuccessThreshold { get; set; } = 0.9;

    /// <summary>How many deliveries a channel needs in the last hour before its success rate can open an alert. Default 20.</summary>
    [Range(1, 1_000_000)]
    public int DeliveryMinimumVolume { get; set; } = 20;

    /// <summary>The URL that receives a signed JSON POST when an alert opens or resolves. Default empty: no POST.</summary>
    public string? AlertWebhookUrl { get; set; }

    /// <summary>
    /// The secret of the alert POST's <c>Sendora-Signature</c> header. Default: <c>Sendora:Channels:Webhook:SigningSecret</c>.
    /// </summary>
    public string? AlertWebhookSecret { get; set; }

    /// <summary>How many resolved alerts a workspace keeps, newest first. Default 100.</summary>
    [Range(1, 1_000)]
    public int MaxResolvedAlerts { get; set; } = 100;

    /// <summary>
    /// How long each readiness check of <c>/readyz</c> waits for storage or a silo before it reports the check as
    /// failed. Default 2 seconds, so that a load balancer polling every few seconds gets its response in time.
    /// </summary>
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
