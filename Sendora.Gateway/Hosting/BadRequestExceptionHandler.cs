using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Sendora.Gateway.Hosting;

/// <summary>
/// Responds 400 with a problem that names the invalid field when a route handler's parameters cannot be bound.
/// That covers a body that is not JSON, is nested too deeply or has a field of the wrong type, and a query
/// value that is not a number. Without this handler ASP.NET Core returns an empty 400.
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var detail = badRequest.InnerException is JsonException json
            ? DescribeJsonError(json)
            : badRequest.Message;
        context.Response.StatusCode = badRequest.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = badRequest.StatusCode,
                Title = "Invalid request",
                Detail = detail,
            },
        });
    }

    // System.Text.Json puts the JSON path of the bad value, such as "$.enabled", in Path. Its message also
    // gives the line and byte position, and for a field the request type lacks it names the .NET type, which is
    // replaced by a message in the API's terms.
    private static string DescribeJsonError(JsonException exception) =>
        exception.Path is { Length: > 0 } path
            ? exception.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal)
                ? $"The request body is invalid at '{path}': this request has no such field. Check its spelling in the API reference."
                : $"The request body is invalid at '{path}': {exception.Message}"
            : $"The request body is not valid JSON: {exception.Message}";
}
