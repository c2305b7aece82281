using Sendora.Grains.Ingestion;

namespace Sendora.Gateway.Tracking;

/// <summary>
/// Segment's tracking API: one path per call type, the one-letter paths analytics.js posts to, the
/// batch paths, and the settings document analytics.js loads at start.
/// </summary>
public static class TrackingApi
{
    public const string CorsPolicy = "tracking";

    public static IEndpointRouteBuilder MapTrackingApi(this IEndpointRouteBuilder endpoints)
    {
        var v1 = endpoints.MapGroup("/v1").RequireCors(CorsPolicy).WithTags("Tracking");
        foreach (var type in MessageTypes.All)
        {
            MapSingle(v1, "/" + type, type);
            MapSingle(v1, "/" + type[0], type);
        }

        foreach (var path in (string[])["/batch", "/b", "/import"])
        {
            v1.MapPost(path, (HttpContext context, TrackingHandler handler) => handler.HandleAsync(context, null))
                .WithName("Batch" + path.TrimStart('/'))
                .WithSummary("Accepts a batch of up to 2,500 messages of any type")
                .WithDescription("Body {\"batch\": [...], \"context\"?, \"integrations\"?, \"sentAt\"?}. Valid messages are kept; " +
                    "rejected ones are listed by index.")
                .DisableAntiforgery();
        }

        v1.MapGet("/projects/{writeKey}/settings", SettingsDocument.GetAsync)
            .WithName("GetSourceSettings")
            .WithSummary("Returns the settings document that analytics.js loads, pointing it at this gateway");
        return endpoints;
    }

    private static void MapSingle(RouteGroupBuilder group, string path, string type)
    {
        group.MapPost(path, (HttpContext context, TrackingHandler handler) => handler.HandleAsync(context, type))
            .WithName($"Post{char.ToUpperInvariant(type[0])}{type[1..]}{(path.Length == 2 ? "Short" : string.Empty)}")
            .WithSummary($"Accepts one {type} message; the path decides its type")
            .DisableAntiforgery();
    }
}
