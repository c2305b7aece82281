using System.Text.Json;

namespace Sendora.Gateway.Admin;

/// <summary>
/// Rejects an admin request whose JSON body has a string that cannot be read as text: invalid UTF-8 or an escaped
/// unpaired surrogate, such as <c>"\ud800"</c>. Definitions that a route keeps as a <see cref="JsonElement"/> (journeys, audience
/// conditions, destination filters) are only read after binding, where such a string threw and became a 500.
/// </summary>
public sealed class AdminJsonStrings : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (request.Body.CanSeek && request.Body.Length > 0)
        {
            request.Body.Position = 0;
            using var copy = new MemoryStream();
            await request.Body.CopyToAsync(copy, context.HttpContext.RequestAborted);
            request.Body.Position = 0;
            if (FindUnreadableString(copy.GetBuffer().AsSpan(0, (int)copy.Length)) is { } invalid)
            {
                return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request",
                    detail: $"The request body has a string at byte {invalid.Offset} that is not valid text: {invalid.Reason}");
            }
        }

        return await next(context);
    }

    /// <summary>
    /// Returns the byte offset of the first string or property name that cannot be decoded, and why, or null when
    /// every one can. A body that is not JSON returns null, because binding reports that with its own message.
    /// </summary>
    public static (long Offset, string Reason)? FindUnreadableString(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 1_000 });
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType is not (JsonTokenType.String or JsonTokenType.PropertyName))
                {
                    continue;
                }

                try
                {
                    reader.GetString();
                }
                catch (InvalidOperationException exception)
                {
                    return (reader.TokenStartIndex, exception.Message);
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;
    }
}
