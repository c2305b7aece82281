using Microsoft.Extensions.Options;
using Sendora.Gateway.Hosting;

namespace Sendora.Gateway.Admin;

/// <summary>
/// Lets a request to the Orleans Dashboard through with the admin token, sent as for the admin API, or with the
/// session cookie that the sign-in page sets. A browser that opens a dashboard page without either is sent to sign in.
/// </summary>
public sealed class DashboardAuthorization(AdminTokens tokens, DashboardSessions sessions) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var request = context.HttpContext.Request;
        if (AdminAuthorization.ReadToken(request) is not null)
        {
            return AdminAuthorization.Reject(request, tokens) ?? await next(context);
        }

        if (sessions.IsSignedIn(request))
        {
            return await next(context);
        }

        // The page's own data requests get 401 instead, because a redirect would hand them the sign-in page as data.
        if (HttpMethods.IsGet(request.Method) && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase))
        {
            return TypedResults.Redirect(DashboardApi.SignInPath);
        }

        return AdminAuthorization.Unauthorized(
            $"Sign in at {DashboardApi.SignInPath} with the admin token, or send it as 'Authorization: Bearer <token>'.");
    }
}
