using System.Net.Http.Headers;
using System.Text;

namespace Sendora.Gateway.Hosting;

/// <summary>Reads credentials from the <c>Authorization</c> header.</summary>
public static class HttpAuthorization
{
    /// <summary>Returns the user name of a Basic header, with or without the trailing colon, or null.</summary>
    public static string? ReadBasicUser(HttpRequest request)
    {
        var header = Parse(request);
        if (header is null || !header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header.Parameter!));
            var colon = decoded.IndexOf(':');
            var user = colon >= 0 ? decoded[..colon] : decoded;
            return user.Length == 0 ? null : user;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Returns the token of a Bearer header, or null.</summary>
    public static string? ReadBearerToken(HttpRequest request)
    {
        var header = Parse(request);
        return header is not null && header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)
            ? header.Parameter
            : null;
    }

    private static AuthenticationHeaderValue? Parse(HttpRequest request) =>
        AuthenticationHeaderValue.TryParse(request.Headers.Authorization.ToString(), out var header)
            && !string.IsNullOrEmpty(header.Parameter)
            ? header
            : null;
}
