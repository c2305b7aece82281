using Microsoft.AspNetCore.Diagnostics;
using Sendora.Grains.Profiles;

namespace Sendora.Gateway.Hosting;

/// <summary>
/// Responds 503 with Retry-After when a request failed because the cluster or its storage was
/// unreachable, so that clients retry; other failures stay 500.
/// </summary>
public sealed partial class UnavailableExceptionHandler(
    IProblemDetailsService problems, ILogger<UnavailableExceptionHandler> logger) : IExceptionHandler
{
    private const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsUnavailable(exception))
        {
            return false;
        }

        LogUnavailable(exception, context.Request.Path);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Service unavailable",
                Detail = $"The cluster or its storage did not answer; retry after {RetryAfterSeconds} seconds.",
            },
        });
    }

    /// <summary>Returns true for failures that a retry can cure: an unreachable silo, storage or a timeout.</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        OrleansException or TimeoutException or Azure.RequestFailedException or ProfileUnavailableException => true,
        AggregateException aggregate => aggregate.InnerExceptions.All(IsUnavailable),
        _ => exception.InnerException is { } inner && IsUnavailable(inner),
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request to {Path} failed because the cluster was unavailable")]
    private partial void LogUnavailable(Exception exception, string path);
}
