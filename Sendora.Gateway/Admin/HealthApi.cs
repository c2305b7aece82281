using Sendora.Grains.Admin;

namespace Sendora.Gateway.Admin;

/// <summary>The liveness check that scripts and load balancers poll.</summary>
public static class HealthApi
{
    public static IEndpointRouteBuilder MapHealthApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/healthz", CheckAsync).WithName("Health").WithTags("Health")
            .WithSummary("Returns 200 when the gateway reaches the cluster and its storage, 503 otherwise");
        return endpoints;
    }

    private static async Task<IResult> CheckAsync(IGrainFactory grains, CancellationToken cancellationToken)
    {
        try
        {
            // Reading the workspace directory goes through a silo and, on first activation, storage.
            await grains.GetGrain<IWorkspaceDirectoryGrain>(IWorkspaceDirectoryGrain.Key).ListAsync()
                .WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
            return TypedResults.Ok(new { status = "ok" });
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Unavailable",
                detail: $"The cluster did not answer: {exception.Message}");
        }
    }
}
