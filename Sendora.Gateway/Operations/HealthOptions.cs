namespace Sendora.Gateway.Operations;

/// <summary>Settings of the readiness checks behind <c>/readyz</c>, bound from <c>Sendora:Health</c>.</summary>
public sealed class HealthOptions
{
    public const string SectionName = "Sendora:Health";

    /// <summary>
    /// How long each readiness check waits for storage or a silo before it reports the check as failed.
    /// Default 2 seconds, so that a load balancer polling every few seconds gets its response in time.
    /// </summary>
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(2);
}
