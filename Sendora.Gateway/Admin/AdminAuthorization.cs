using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Sendora.Gateway.Hosting;

namespace Sendora.Gateway.Admin;

/// <summary>
/// Lets a request through only with the admin token, sent as a bearer token or, as Segment's
/// Profile API allows, as the Basic auth user name.
/// </summary>
public sealed class AdminAuthorization(IOptions<GatewayOptions> options) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        Reject(context.HttpContext.Request, options.Value.AdminToken) ?? await next(context);

    /// <summary>Returns a 401 problem when <paramref name="request"/> lacks <paramref name="adminToken"/>, or null to let it through.</summary>
    public static IResult? Reject(HttpRequest request, string adminToken)
    {
        var token = ReadToken(request);
        if (token is not null && IsAdminToken(token, adminToken))
        {
            return null;
        }

        return TypedResults.Problem(
            statusCode: StatusCodes.Status401Unauthorized,
            title: "Unauthorized",
            detail: token is null
                ? "Send the admin token as 'Authorization: Bearer <token>' or as the Basic auth user name."
                : "The admin token is not valid.");
    }

    /// <summary>Returns the token of a Bearer header, or else the user name of a Basic header, or null.</summary>
    public static string? ReadToken(HttpRequest request) =>
        HttpAuthorization.ReadBearerToken(request) ?? HttpAuthorization.ReadBasicUser(request);

    /// <summary>
    /// Returns whether <paramref name="presented"/> is the admin token. The comparison takes constant time, so that
    /// the response time does not reveal how much of a guess was right.
    /// </summary>
    public static bool IsAdminToken(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));
}
