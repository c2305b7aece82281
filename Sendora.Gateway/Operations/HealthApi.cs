using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Sendora.Gateway.Operations;

/// <summary>
/// Liveness at <c>/healthz</c>, which only shows that the process serves requests, and readiness at <c>/readyz</c>,
/// which checks storage and the cluster. Both return a <see cref="HealthResponse"/> without needing a token.
/// </summary>
public static class HealthApi
{
    /// <summary>The tag of the health checks that <c>/readyz</c> runs.</summary>
    public const string ReadinessTag = "ready";

    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup(string.Empty).WithTags("Operations");
        group.MapGet("/healthz", GetLivenessAsync).WithName("Liveness")
            .WithSummary("Returns 200 while the gateway process serves requests; it checks neither storage nor silos")
            .Produces<HealthResponse>();
        group.MapGet("/readyz", GetReadinessAsync).WithName("Readiness")
            .WithSummary("Returns 200 when storage and a silo respond, 503 while either check fails")
            .WithDescription("Each check reports its status, duration in milliseconds and a description that names " +
                "the failed endpoint. Checks time out after Sendora:Health:CheckTimeout.")
            .Produces<HealthResponse>()
            .Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        return endpoints;
    }

    // Liveness runs no check: the response itself shows that the process serves requests.
    private static async Task<IResult> GetLivenessAsync(
        HealthCheckService health, HttpContext context, CancellationToken cancellationToken) =>
        Respond(await health.CheckHealthAsync(_ => false, cancellationToken), context);

    private static async Task<IResult> GetReadinessAsync(
        HealthCheckService health, HttpContext context, CancellationToken cancellationToken) =>
        Respond(await health.CheckHealthAsync(check => check.Tags.Contains(ReadinessTag), cancellationToken), context);

    private static IResult Respond(HealthReport report, HttpContext context)
    {
        // A cached response would hide a change of state from the next poll.
        context.Response.Headers.CacheControl = "no-store";
        var checks = report.Entries.Select(entry => new HealthCheckResponse(
            entry.Key,
            entry.Value.Status.ToString(),
            Milliseconds(entry.Value.Duration),
            entry.Value.Description ?? entry.Value.Exception?.Message)).ToList();
        var status = report.Status == HealthStatus.Unhealthy
            ? StatusCodes.Status503ServiceUnavailable
            : StatusCodes.Status200OK;
        return TypedResults.Json(
            new HealthResponse(report.Status.ToString(), Milliseconds(report.TotalDuration), checks), statusCode: status);
    }

    private static double Milliseconds(TimeSpan duration) => Math.Round(duration.TotalMilliseconds, 1);
}
