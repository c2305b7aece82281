using Sendora.Gateway.Hosting;

namespace Sendora.Gateway.Admin;

/// <summary>
/// Lets a request through only with an admin token, sent as a bearer token or, as Segment's Profile API
/// allows, as the Basic auth user name, and puts the token's actor name on the request for audit entries.
/// </summary>
public sealed class AdminAuthorization(AdminTokens tokens) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (Reject(context.HttpContext.Request, tokens) is { } rejection)
        {
            return rejection;
        }

        return await next(context);
    }

    /// <summary>
    /// Checks the token of an admin API request before routing binds its body, so that a client without a valid one
    /// gets 401, not the validation errors that would tell it the fields of each request. Buffers the body of a
    /// request that passes, so that <see cref="AdminJsonStrings"/> can read it again after binding, and rejects a body
    /// over the size limit with a problem that states the limit.
    /// </summary>
    public static async Task CheckBeforeBindingAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (Reject(context.Request, context.RequestServices.GetRequiredService<AdminTokens>()) is { } rejection)
        {
            await rejection.ExecuteAsync(context);
            return;
        }

        if (!HttpMethods.IsGet(context.Request.Method) && await AdminRequestBody.BufferAsync(context) is { } tooLarge)
        {
            await tooLarge.ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    /// <summary>
    /// Returns a 401 problem when <paramref name="request"/> carries no valid admin token, or a 429 one when its
    /// address sent too many wrong ones, or null to let it through after putting the token's actor name on the request.
    /// </summary>
    public static IResult? Reject(HttpRequest request, AdminTokens tokens)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(tokens);
        var token = ReadToken(request);
        if (token is null)
        {
            return Unauthorized("Send the admin token as 'Authorization: Bearer <token>' or as the Basic auth user name.");
        }

        var check = tokens.Check(request.HttpContext, token);
        if (check.RetryAfter is { } wait)
        {
            return tokens.TooManyFailures(request.HttpContext, wait);
        }

        if (check.Actor is null)
        {
            return Unauthorized("The admin token is not valid.");
        }

        request.HttpContext.Features.Set(new AdminActorFeature(check.Actor));
        return null;
    }

    /// <summary>Returns a 401 problem with <paramref name="detail"/>.</summary>
    public static IResult Unauthorized(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail);

    /// <summary>Returns the token of a Bearer header, or else the user name of a Basic header, or null.</summary>
    public static string? ReadToken(HttpRequest request) =>
        HttpAuthorization.ReadBearerToken(request) ?? HttpAuthorization.ReadBasicUser(request);
}
