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
        if (token is not null && Matches(token, adminToken))
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

    private static string? ReadToken(HttpRequest request) =>
        HttpAuthorization.ReadBearerToken(request) ?? HttpAuthorization.ReadBasicUser(request);

    private static bool Matches(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(expected));
}
