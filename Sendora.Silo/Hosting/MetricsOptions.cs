using System.ComponentModel.DataAnnotations;

namespace Sendora.Silo.Hosting;

/// <summary>Settings of the Prometheus scrape endpoints, bound from <c>Sendora:Metrics</c>.</summary>
public sealed class MetricsOptions
{
    public const string SectionName = "Sendora:Metrics";

    /// <summary>
    /// Whether the gateway's <c>/metrics</c> requires the admin token, as a bearer token or Basic user name.
    /// Default true, because the gateway also serves browsers and SDKs on the public internet and the metrics
    /// name workspaces, sources, audiences and journeys. Set false only where nothing outside a private network
    /// reaches the gateway's port.
    /// </summary>
    public bool RequireAdminToken { get; set; } = true;

    /// <summary>
    /// The TCP port on which a silo process serves <c>/metrics</c>, without a token. Default 0, which serves
    /// nothing. A gateway that hosts its silo ignores it, because the gateway's own <c>/metrics</c> includes the
    /// silo's instruments.
    /// </summary>
    [Range(0, 65535)]
    public int SiloPort { get; set; }

    /// <summary>
    /// The IP address that the silo's endpoint listens on. Default <c>127.0.0.1</c>. Set <c>0.0.0.0</c> for a
    /// scraper on another machine, on a network that only the cluster reaches.
    /// </summary>
    [Required]
    public string SiloAddress { get; set; } = "127.0.0.1";
}
