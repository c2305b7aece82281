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
        var token = ReadToken(context.HttpContext.Request);
        var actor = token is null ? null : tokens.FindActor(token);
        if (actor is null)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status401Unauthorized,
                title: "Unauthorized",
                detail: token is null
                    ? "Send the admin token as 'Authorization: Bearer <token>' or as the Basic auth user name."
                    : "The admin token is not valid.");
        }

        context.HttpContext.Features.Set(new AdminActorFeature(actor));
        return await next(context);
    }

    private static string? ReadToken(HttpRequest request) =>
        HttpAuthorization.ReadBearerToken(request) ?? HttpAuthorization.ReadBasicUser(request);
}
