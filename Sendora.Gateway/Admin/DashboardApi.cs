using System.Globalization;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using Sendora.Gateway.Hosting;
using Sendora.Silo.Hosting;

namespace Sendora.Gateway.Admin;

/// <summary>
/// Serves the Orleans Dashboard under <c>/admin/dashboard</c> behind the admin token, with a sign-in page that
/// trades the token for a short-lived session cookie, because a browser cannot add a bearer header to page loads.
/// </summary>
public static class DashboardApi
{
    public const string BasePath = "/admin/dashboard";
    public const string SignInPath = BasePath + "/login";
    public const string SignOutPath = BasePath + "/logout";

    /// <summary>Maps the dashboard and its sign-in routes, unless <c>Sendora:Dashboard:Enabled</c> is false.</summary>
    public static IEndpointRouteBuilder MapDashboardApi(this IEndpointRouteBuilder endpoints)
    {
        var configuration = endpoints.ServiceProvider.GetRequiredService<IConfiguration>();
        if (!SiloHostingExtensions.ReadHostOptions(configuration).Dashboard.Enabled)
        {
            return endpoints;
        }

        endpoints.MapGet(SignInPath, ShowSignIn).ExcludeFromDescription();
        endpoints.MapPost(SignInPath, SignInAsync).ExcludeFromDescription();
        endpoints.MapPost(SignOutPath, SignOut).ExcludeFromDescription();
        endpoints.MapOrleansDashboard(BasePath).AddEndpointFilter<DashboardAuthorization>().ExcludeFromDescription();
        return endpoints;
    }

    private static IResult ShowSignIn(HttpContext context) => SignInPage(context, StatusCodes.Status200OK, message: null);

    private static async Task<IResult> SignInAsync(
        HttpContext context, DashboardSessions sessions, AdminTokens tokens)
    {
        if (!context.Request.HasFormContentType)
        {
            return SignInPage(context, StatusCodes.Status400BadRequest, "Send the admin token from this form.");
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var token = form["token"].ToString();
        if (token.Length == 0)
        {
            return SignInPage(context, StatusCodes.Status401Unauthorized, "The admin token is not valid.");
        }

        var check = tokens.Check(context, token);
        if (check.RetryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter = ((long)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return SignInPage(context, StatusCodes.Status429TooManyRequests, tokens.TooManyFailuresMessage(wait));
        }

        if (check.Actor is null)
        {
            return SignInPage(context, StatusCodes.Status401Unauthorized, "The admin token is not valid.");
        }

        sessions.SignIn(context);
        return TypedResults.Redirect(BasePath + "/");
    }

    private static IResult SignOut(HttpContext context, DashboardSessions sessions)
    {
        sessions.SignOut(context);
        return TypedResults.Redirect(SignInPath);
    }

    private static IResult SignInPage(HttpContext context, int statusCode, string? message)
    {
        var headers = context.Response.Headers;
        headers.CacheControl = "no-store";
        headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";
        var notice = message is null ? string.Empty : $"<p role=\"alert\">{message}</p>";
        return TypedResults.Content(SignInHtml.Replace("{notice}", notice, StringComparison.Ordinal), "text/html; charset=utf-8",
            statusCode: statusCode);
    }

    // The messages placed at {notice} are fixed strings of this class, never request input.
    private const string SignInHtml = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>Sendora: sign in to the Orleans Dashboard</title>
        <style>body{font-family:sans-serif;max-width:28rem;margin:4rem auto}input{width:100%;padding:.4rem}
        p[role=alert]{color:#a00}</style>
        </head>
        <body>
        <h1>Orleans Dashboard</h1>
        {notice}
        <form method="post" action="/admin/dashboard/login">
        <label for="token">Admin token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
        <p><button type="submit">Sign in</button></p>
        </form>
        </body>
        </html>
        """;
}
