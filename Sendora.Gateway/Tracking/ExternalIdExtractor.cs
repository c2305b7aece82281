using System.Text.Json;
using Sendora.Grains.Identity;
using Sendora.Grains.Ingestion;

namespace Sendora.Gateway.Tracking;

/// <summary>
/// Finds the external ids a Segment message carries: <c>userId</c>, <c>anonymousId</c>, the email of
/// an identify call's traits or of <c>context.traits</c>, the device id, advertising id (only when ad
/// tracking is enabled) and push token of <c>context.device</c>, and the <c>context.externalIds</c> of
/// the users collection. Values are cleaned like every string; emails are lower-cased.
/// </summary>
public static class ExternalIdExtractor
{
    /// <summary>The longest id value kept, in characters.</summary>
    public const int MaxValueLength = 512;

    public static IReadOnlyList<ExternalIdKey> Extract(JsonElement item, string type, string? userId, string? anonymousId)
    {
        var ids = new List<ExternalIdKey>(4);
        Add(ids, "user_id", userId);
        Add(ids, "anonymous_id", anonymousId);
        if (type == MessageTypes.Identify && Object(item, "traits") is { } traits)
        {
            Add(ids, "email", Email(traits));
        }

        var context = Object(item, "context");
        if (context is not { } found)
        {
            return ids;
        }

        if (Object(found, "traits") is { } contextTraits)
        {
            Add(ids, "email", Email(contextTraits));
        }

        if (Object(found, "device") is { } device)
        {
            AddDeviceIds(ids, device);
        }

        if (found.TryFindProperty("externalIds", out var externalIds) && externalIds.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in externalIds.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object))
            {
                var collection = Text(entry, "collection");
                if (collection is null || collection == "users")
                {
                    Add(ids, Text(entry, "type")?.Trim(), Text(entry, "id"));
                }
            }
        }

        return ids;
    }

    private static void AddDeviceIds(List<ExternalIdKey> ids, JsonElement device)
    {
        var platform = Text(device, "type")?.Trim().ToLowerInvariant();
        if (platform is not ("ios" or "android"))
        {
            return;
        }

        Add(ids, platform + ".id", Text(device, "id"));
        if (device.TryFindProperty("adTrackingEnabled", out var enabled) && enabled.ValueKind == JsonValueKind.True)
        {
            Add(ids, platform + ".idfa", Text(device, "advertisingId"));
        }

        Add(ids, platform + ".push_token", Text(device, "token"));
    }

    private static string? Email(JsonElement traits) => Text(traits, "email")?.Trim().ToLowerInvariant();

    private static void Add(List<ExternalIdKey> ids, string? type, string? value)
    {
        // Longer values cannot be table keys (1 KiB), and no real id is that long.
        if (string.IsNullOrWhiteSpace(type) || string.IsNullOrWhiteSpace(value) || type.Contains(':')
            || value.Length > MaxValueLength || type.Length > 64)
        {
            return;
        }

        var key = new ExternalIdKey(type, value);
        if (!ids.Contains(key))
        {
            ids.Add(key);
        }
    }

    private static JsonElement? Object(JsonElement parent, string name) =>
        parent.TryFindProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : null;

    private static string? Text(JsonElement parent, string name)
    {
        if (!parent.TryFindProperty(name, out var value))
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.String => MessageNormalizer.ReadString(value),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
    }
}
