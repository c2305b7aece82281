using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Sendora.Grains.Audiences.Language;

namespace Sendora.Grains.Destinations;

/// <summary>Decides which messages a destination takes and reshapes them with its mapping.</summary>
public static class DestinationRules
{
    /// <summary>The message types a filter may name.</summary>
    public static readonly IReadOnlyList<string> MessageTypes = ["track", "identify", "page", "screen", "group", "alias"];

    /// <summary>The fields that a mapping may not rename or drop, because receivers deduplicate and route by them.</summary>
    public static readonly IReadOnlyList<string> FixedFields = ["messageId", "type"];

    // Definitions come from a catalog that a silo keeps in memory, so each where condition is parsed once per catalog.
    private static readonly ConditionalWeakTable<DestinationFilter, PropertyCondition> Conditions = [];

    /// <summary>
    /// Returns whether the destination takes a message of <paramref name="sourceId"/>: it must be enabled, list the
    /// source, pass the filter and not be turned off by the message's <c>integrations</c> object.
    /// </summary>
    public static bool Accepts(DestinationDefinition destination, string sourceId, JsonElement message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (!destination.Enabled || !destination.SourceIds.Contains(sourceId, StringComparer.Ordinal))
        {
            return false;
        }

        var type = ReadString(message, "type") ?? string.Empty;
        var filter = destination.Filter;
        if (filter.EventTypes.Count > 0 && !filter.EventTypes.Contains(type, StringComparer.Ordinal))
        {
            return false;
        }

        if (filter.EventNames.Count > 0)
        {
            var name = type == "track" ? ReadString(message, "event") : ReadString(message, "name");
            if (name is null || !filter.EventNames.Contains(name, StringComparer.Ordinal))
            {
                return false;
            }
        }

        if (filter.WhereJson is not null)
        {
            var condition = Conditions.GetValue(filter, f => PropertyCondition.ParseValid(f.WhereJson!));
            var properties = message.TryGetProperty("properties", out var p) ? p : default;
            if (!condition.Matches(properties, now))
            {
                return false;
            }
        }

        return IsEnabledByIntegrations(destination.Name, message);
    }

    /// <summary>
    /// Applies Segment's rules for the <c>integrations</c> object: a key with the destination's name wins (false
    /// disables, true or an object of settings enables); otherwise <c>All</c> decides, and a missing <c>All</c> is true.
    /// </summary>
    public static bool IsEnabledByIntegrations(string destinationName, JsonElement message)
    {
        if (!message.TryGetProperty("integrations", out var integrations) || integrations.ValueKind != JsonValueKind.Object)
        {
            return true;
        }

        if (integrations.TryGetProperty(destinationName, out var own))
        {
            return own.ValueKind != JsonValueKind.False;
        }

        return !integrations.TryGetProperty("All", out var all) || all.ValueKind != JsonValueKind.False;
    }

    /// <summary>Returns the message JSON after the mapping's renames, then its drops. A path that is absent is skipped.</summary>
    public static string Map(DestinationMapping mapping, string json)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        if (mapping.Rename.Count == 0 && mapping.Drop.Count == 0)
        {
            return json;
        }

        var root = JsonNode.Parse(json)!.AsObject();
        foreach (var (from, to) in mapping.Rename)
        {
            if (Detach(root, from) is var (found, value) && found)
            {
                Place(root, to, value);
            }
        }

        foreach (var path in mapping.Drop)
        {
            Detach(root, path);
        }

        return root.ToJsonString();
    }

    /// <summary>Removes the node at a dotted path and returns whether it existed, with its value.</summary>
    private static (bool Found, JsonNode? Value) Detach(JsonObject root, string path)
    {
        var segments = path.Split('.');
        var parent = root;
        foreach (var segment in segments[..^1])
        {
            if (parent[segment] is not JsonObject child)
            {
                return (false, null);
            }

            parent = child;
        }

        if (!parent.TryGetPropertyValue(segments[^1], out var value))
        {
            return (false, null);
        }

        parent.Remove(segments[^1]);
        return (true, value);
    }

    /// <summary>Sets the node at a dotted path, creating objects on the way and replacing a value that is not one.</summary>
    private static void Place(JsonObject root, string path, JsonNode? value)
    {
        var segments = path.Split('.');
        var parent = root;
        foreach (var segment in segments[..^1])
        {
            if (parent[segment] is not JsonObject child)
            {
                child = [];
                parent[segment] = child;
            }

            parent = child;
        }

        parent[segments[^1]] = value;
    }

    private static string? ReadString(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
