namespace Sendora.Gateway.Operations;

/// <summary>The body of <c>/healthz</c> and <c>/readyz</c>: the overall status and each check that ran.</summary>
/// <param name="Status"><c>Healthy</c>, <c>Degraded</c> or <c>Unhealthy</c>: the worst status of the checks.</param>
/// <param name="DurationMs">Milliseconds that all checks took together.</param>
/// <param name="Checks">The checks in the order they were registered.</param>
public sealed record HealthResponse(string Status, double DurationMs, IReadOnlyList<HealthCheckResponse> Checks);

/// <summary>One check of a <see cref="HealthResponse"/>.</summary>
/// <param name="Name"><c>storage</c> or <c>cluster</c>.</param>
/// <param name="Status"><c>Healthy</c>, <c>Degraded</c> or <c>Unhealthy</c>.</param>
/// <param name="DurationMs">Milliseconds that the check took.</param>
/// <param name="Description">What the check found, or why it failed.</param>
public sealed record HealthCheckResponse(string Name, string Status, double DurationMs, string? Description);
