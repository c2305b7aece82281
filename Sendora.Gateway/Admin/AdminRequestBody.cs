using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;

namespace Sendora.Gateway.Admin;

/// <summary>
/// Reads an admin request body into the request's buffer before routing binds it. A body over the server's size limit
/// (Kestrel's <c>MaxRequestBodySize</c>, 30,000,000 bytes by default) then gets a 413 problem that states the limit,
/// where binding would end the request with Kestrel's empty 413. A body sent without a JSON Content-Type gets a 415
/// problem that names the Content-Type to send.
/// </summary>
internal static class AdminRequestBody
{
    /// <summary>
    /// Buffers the body of <paramref name="context"/> and rewinds it, or returns a 413 problem when the body is larger
    /// than the limit.
    /// </summary>
    public static async Task<IResult?> BufferAsync(HttpContext context)
    {
        var request = context.Request;
        var limit = context.Features.Get<IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize;
        if (request.ContentLength > limit)
        {
            return TooLarge(limit.Value, request.ContentLength.Value);
        }

        request.EnableBuffering();
        try
        {
            await request.Body.DrainAsync(context.RequestAborted);
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            // A body without Content-Length, such as a chunked one, is only found too large while it is read.
            return TooLarge(limit ?? 0, size: null);
        }

        request.Body.Position = 0;
        return null;
    }

    /// <summary>
    /// Runs <paramref name="next"/> and replaces a 415 with a problem that names the Content-Type to send. Routing
    /// rejects a body of another media type, such as <c>text/plain</c>, with an empty 415 before the route runs, and
    /// binding throws for a body sent without a Content-Type.
    /// </summary>
    public static async Task ExplainUnsupportedMediaTypeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException exception) when (
            exception.StatusCode == StatusCodes.Status415UnsupportedMediaType && !context.Response.HasStarted)
        {
            await UnsupportedMediaType(context.Request.ContentType).ExecuteAsync(context);
            return;
        }

        if (context.Response.StatusCode == StatusCodes.Status415UnsupportedMediaType && !context.Response.HasStarted)
        {
            await UnsupportedMediaType(context.Request.ContentType).ExecuteAsync(context);
        }
    }

    private static IResult UnsupportedMediaType(string? contentType)
    {
        var sent = string.IsNullOrEmpty(contentType)
            ? ", but this request has no Content-Type."
            : $", not '{contentType}'.";
        return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Unsupported media type",
            detail: $"The request body must be JSON sent with 'Content-Type: application/json'{sent}");
    }

    private static IResult TooLarge(long limit, long? size)
    {
        var measured = size is { } bytes
            ? string.Create(CultureInfo.InvariantCulture, $"The request body is {bytes:N0} bytes, over")
            : "The request body is over";
        return TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: "Request body too large",
            detail: string.Create(CultureInfo.InvariantCulture,
                $"{measured} the limit of {limit:N0} bytes per admin request. Send a smaller body."));
    }
}
