using System.Net;
using Sendora.Grains.Channels;

namespace Sendora.Gateway.Channels;

/// <summary>
/// The targets of email unsubscribe links: <c>GET</c> shows a confirmation page, <c>POST</c> unsubscribes, as a
/// mail client's RFC 8058 one-click request or the page's button does. The silo checks the token's signature.
/// </summary>
public static class UnsubscribeApi
{
    public static IEndpointRouteBuilder MapUnsubscribeApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v1/unsubscribe").WithTags("Channels");
        group.MapGet("/{token}", ShowConfirmationAsync).WithName("ShowUnsubscribe")
            .WithSummary("Returns a page that asks to confirm unsubscribing; it changes nothing by itself");
        group.MapPost("/{token}", UnsubscribeAsync).WithName("Unsubscribe")
            .WithSummary("Unsubscribes the link's profile from the link's channel (RFC 8058 one-click)")
            .DisableAntiforgery();
        return endpoints;
    }

    private static async Task<IResult> ShowConfirmationAsync(string token, IGrainFactory grains)
    {
        // A GET only shows the page, because mail scanners open links without a person clicking them.
        if (await grains.GetGrain<IUnsubscribeGrain>(0).ReadAsync(token) is null)
        {
            return InvalidLink();
        }

        var action = WebUtility.HtmlEncode($"/v1/unsubscribe/{Uri.EscapeDataString(token)}");
        return Page(StatusCodes.Status200OK, "Unsubscribe",
            $"""
             <p>Stop receiving these emails?</p>
             <form method="post" action="{action}">
               <input type="hidden" name="List-Unsubscribe" value="One-Click">
               <button type="submit">Unsubscribe</button>
             </form>
             """);
    }

    private static async Task<IResult> UnsubscribeAsync(string token, IGrainFactory grains)
    {
        var target = await grains.GetGrain<IUnsubscribeGrain>(0).UnsubscribeAsync(token, "Unsubscribe link");
        return target is null
            ? InvalidLink()
            : Page(StatusCodes.Status200OK, "Unsubscribed", "<p>You are unsubscribed and will receive no more of these emails.</p>");
    }

    private static IResult InvalidLink() =>
        Page(StatusCodes.Status404NotFound, "Invalid link", "<p>This unsubscribe link is invalid. Use the link from a recent email.</p>");

    private static IResult Page(int status, string title, string body) =>
        TypedResults.Content(
            $"<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body><h1>{title}</h1>{body}</body></html>",
            "text/html; charset=utf-8", statusCode: status);
}
