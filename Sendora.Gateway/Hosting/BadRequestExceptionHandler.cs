using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace Sendora.Gateway.Hosting;

/// <summary>
/// Responds 400 with a problem that names the invalid field when a route handler's parameters cannot be bound.
/// That covers a body that is not JSON, is nested too deeply or has a field of the wrong type, and a query
/// value that is not a number. A body that is empty, <c>null</c> or not a JSON object at its root gets a problem
/// stating that the request expects a JSON object. Without this handler ASP.NET Core returns an empty 400.
/// </summary>
public sealed class BadRequestExceptionHandler(IProblemDetailsService problems) : IExceptionHandler
{
    // The start of the message that ASP.NET Core's binding throws when an inferred body parameter reads nothing, for an
    // empty body and for the JSON null alike.
    private const string MissingBodyMessage = "Implicit body inferred for parameter";

    private const int BufferSize = 4_096;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException badRequest)
        {
            return false;
        }

        var detail = await DescribeBodyRootAsync(context.Request, badRequest, cancellationToken)
            ?? (badRequest.InnerException is JsonException json ? DescribeJsonError(json) : badRequest.Message);
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

    /// <summary>
    /// Returns the problem detail for a body that binding rejected as a whole because it is empty, <c>null</c> or
    /// a JSON value other than an object, or null for other errors and for a body that cannot be read again.
    /// </summary>
    private static async Task<string?> DescribeBodyRootAsync(
        HttpRequest request, BadHttpRequestException exception, CancellationToken cancellationToken)
    {
        var missing = exception.Message.StartsWith(MissingBodyMessage, StringComparison.Ordinal);
        var failedAtRoot = exception.InnerException is JsonException { Path: "$" };
        if (!missing && !failedAtRoot)
        {
            return null;
        }

        // Binding read the value at the root, or found none, so its first byte identifies its JSON type.
        return await ReadFirstByteAsync(request.Body, cancellationToken) switch
        {
            -1 => "The request body is empty; send a JSON object with 'Content-Type: application/json'.",
            'n' when missing => "The request body is null; send a JSON object with this request's fields.",
            '[' => NotAnObject("an array"),
            '"' => NotAnObject("a string"),
            't' or 'f' => NotAnObject("a boolean"),
            '-' or (>= '0' and <= '9') => NotAnObject("a number"),
            _ => null,
        };
    }

    private static string NotAnObject(string kind) => $"The request body must be a JSON object, not {kind}.";

    /// <summary>
    /// Returns the first byte of <paramref name="body"/> after a UTF-8 byte order mark and JSON whitespace, -1 when
    /// there is none, or null when the body cannot be read again. Admin bodies can, because
    /// <c>AdminRequestBody</c> buffers them.
    /// </summary>
    private static async Task<int?> ReadFirstByteAsync(Stream body, CancellationToken cancellationToken)
    {
        if (!body.CanSeek)
        {
            return null;
        }

        body.Position = 0;
        var buffer = new byte[BufferSize];
        var offset = 0L;
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            for (var i = 0; i < read; i++, offset++)
            {
                var isByteOrderMark = offset < 3 && buffer[i] == "\uFEFF"u8[(int)offset];
                if (!isByteOrderMark && buffer[i] is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
                {
                    return buffer[i];
                }
            }
        }

        return -1;
    }
}
