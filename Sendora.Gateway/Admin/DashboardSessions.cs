using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Sendora.Gateway.Hosting;

namespace Sendora.Gateway.Admin;

/// <summary>
/// Issues and checks the cookie that lets a browser use the Orleans Dashboard after signing in with the admin token.
/// The cookie contains its expiry and an HMAC-SHA256 of that expiry keyed with the admin token, never the token itself.
/// Every gateway with the same token therefore accepts it, and changing the token ends every session.
/// </summary>
public sealed class DashboardSessions(IOptions<GatewayOptions> options, TimeProvider clock)
{
    public const string CookieName = "sendora_dashboard";

    private const string Purpose = "sendora-dashboard-session:";

    /// <summary>Sets a session cookie that expires after <see cref="GatewayOptions.DashboardSessionDuration"/>.</summary>
    public void SignIn(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var expires = clock.GetUtcNow() + options.Value.DashboardSessionDuration;
        var seconds = expires.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        context.Response.Cookies.Append(CookieName, $"{seconds}.{Sign(seconds)}", CookieOptions(context, expires));
    }

    /// <summary>Deletes the session cookie.</summary>
    public void SignOut(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.Cookies.Delete(CookieName, CookieOptions(context, expires: null));
    }

    /// <summary>Returns whether the request carries a session cookie that this admin token signed and that has not expired.</summary>
    public bool IsSignedIn(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Cookies[CookieName] is not { } value)
        {
            return false;
        }

        var dot = value.IndexOf('.');
        if (dot <= 0
            || !long.TryParse(value.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds <= clock.GetUtcNow().ToUnixTimeSeconds())
        {
            return false;
        }

        var expected = Encoding.ASCII.GetBytes(Sign(value[..dot]));
        return CryptographicOperations.FixedTimeEquals(expected, Encoding.ASCII.GetBytes(value[(dot + 1)..]));
    }

    private string Sign(string expirySeconds)
    {
        var key = Encoding.UTF8.GetBytes(options.Value.AdminToken);
        var mac = HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(Purpose + expirySeconds));
        return WebEncoders.Base64UrlEncode(mac);
    }

    // Sent only to the dashboard's paths, never to the admin API, and not with requests that other sites start.
    private static CookieOptions CookieOptions(HttpContext context, DateTimeOffset? expires) => new()
    {
        Path = DashboardApi.BasePath,
        HttpOnly = true,
        Secure = context.Request.IsHttps,
        SameSite = SameSiteMode.Strict,
        Expires = expires,
        IsEssential = true,
    };
}
