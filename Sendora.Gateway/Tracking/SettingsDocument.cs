using System.Text.Json;
using Microsoft.Extensions.Options;
using Sendora.Gateway.Hosting;

namespace Sendora.Gateway.Tracking;

/// <summary>
/// Builds the settings document that analytics.js fetches from <c>/v1/projects/{writeKey}/settings</c>.
/// Its <c>Segment.io</c> entry sends events to this gateway, and it turns off what would call
/// Segment's own hosts: remote plugins and client metrics.
/// </summary>
public static class SettingsDocument
{
    public static async Task GetAsync(
        string writeKey, HttpContext context, WriteKeyResolver writeKeys, IOptions<GatewayOptions> options)
    {
        var binding = await writeKeys.ResolveAsync(writeKey);
        var response = context.Response;
        if (binding is null || !binding.Enabled)
        {
            // analytics.js reports the text of any non-2xx response as its error.
            response.StatusCode = StatusCodes.Status404NotFound;
            response.ContentType = "text/plain";
            await response.WriteAsync(binding is null
                ? "No source has this write key."
                : "The source of this write key is disabled.");
            return;
        }

        var baseUrl = options.Value.PublicUrl is { Length: > 0 } configured
            ? new Uri(configured)
            : new Uri($"{context.Request.Scheme}://{context.Request.Host}");
        var apiHost = $"{baseUrl.Authority}{baseUrl.AbsolutePath.TrimEnd('/')}/v1";

        response.ContentType = "application/json";
        await using var writer = new Utf8JsonWriter(response.Body);
        writer.WriteStartObject();
        writer.WriteStartObject("integrations");
        writer.WriteStartObject("Segment.io");
        writer.WriteString("apiKey", writeKey);
        writer.WriteString("apiHost", apiHost);
        writer.WriteString("protocol", baseUrl.Scheme);
        writer.WriteStartArray("unbundledIntegrations");
        writer.WriteEndArray();
        writer.WriteBoolean("addBundledMetadata", true);
        writer.WriteStartObject("maybeBundledConfigIds");
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.WriteStartObject("plan");
        foreach (var call in (string[])["track", "identify", "group"])
        {
            writer.WriteStartObject(call);
            writer.WriteStartObject("__default");
            writer.WriteBoolean("enabled", true);
            writer.WriteStartObject("integrations");
            writer.WriteEndObject();
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
        writer.WriteStartObject("edgeFunction");
        writer.WriteEndObject();
        writer.WriteBoolean("analyticsNextEnabled", true);
        writer.WriteStartObject("middlewareSettings");
        writer.WriteEndObject();
        writer.WriteStartObject("enabledMiddleware");
        writer.WriteEndObject();
        writer.WriteStartObject("metrics");
        writer.WriteNumber("sampleRate", 0);
        writer.WriteEndObject();
        writer.WriteBoolean("legacyVideoPluginsEnabled", false);
        writer.WriteStartArray("remotePlugins");
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
