using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sendora.Grains.Inspection;

/// <summary>
/// Writes a grain's state as JSON for inspection. Members that store JSON text are shown as the JSON they
/// hold: a string member whose name ends in <c>Json</c> (or is <c>json</c>), and the values of the
/// <c>traits</c> and <c>computedValues</c> maps. Text that does not parse stays a string.
/// </summary>
public static class GrainStateJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerOptions.Web);

    private static readonly HashSet<string> JsonTextMaps = new(StringComparer.Ordinal) { "traits", "computedValues" };

    /// <summary>
    /// Serializes <paramref name="state"/>, cutting every array or object to its first <paramref name="maxItems"/>
    /// entries, and returns the JSON text with the list of cuts.
    /// </summary>
    public static (string Json, IReadOnlyList<TruncatedCollection> Truncated) Write<TState>(TState state, int maxItems)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxItems, 1);
        var node = JsonSerializer.SerializeToNode(state, Options);
        var truncated = new List<TruncatedCollection>();
        Visit(node, "$", maxItems, truncated);
        return (node?.ToJsonString() ?? "null", truncated);
    }

    private static void Visit(JsonNode? node, string path, int maxItems, List<TruncatedCollection> truncated)
    {
        switch (node)
        {
            case JsonArray array:
                Cut(array, path, maxItems, truncated);
                for (var i = 0; i < array.Count; i++)
                {
                    Visit(array[i], $"{path}[{i}]", maxItems, truncated);
                }

                break;
            case JsonObject obj:
                Cut(obj, path, maxItems, truncated);
                foreach (var name in obj.Select(pair => pair.Key).ToList())
                {
                    VisitMember(obj, name, $"{path}.{name}", maxItems, truncated);
                }

                break;
        }
    }

    private static void VisitMember(JsonObject parent, string name, string path, int maxItems, List<TruncatedCollection> truncated)
    {
        var value = parent[name];
        if (IsJsonTextMember(name) && value is JsonValue text && text.TryGetValue<string>(out var json))
        {
            parent[name] = ParseOrKeep(json);
            return;
        }

        if (JsonTextMaps.Contains(name) && value is JsonObject map)
        {
            Cut(map, path, maxItems, truncated);
            foreach (var key in map.Select(pair => pair.Key).ToList())
            {
                if (map[key] is JsonValue entry && entry.TryGetValue<string>(out var entryJson))
                {
                    map[key] = ParseOrKeep(entryJson);
                }
            }

            return;
        }

        Visit(value, path, maxItems, truncated);
    }

    private static bool IsJsonTextMember(string name) =>
        name == "json" || (name.Length > 4 && name.EndsWith("Json", StringComparison.Ordinal));

    private static JsonNode? ParseOrKeep(string json)
    {
        try
        {
            return JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return JsonValue.Create(json);
        }
    }

    private static void Cut(JsonArray array, string path, int maxItems, List<TruncatedCollection> truncated)
    {
        if (array.Count <= maxItems)
        {
            return;
        }

        truncated.Add(new TruncatedCollection(path, array.Count, maxItems));
        while (array.Count > maxItems)
        {
            array.RemoveAt(array.Count - 1);
        }
    }

    private static void Cut(JsonObject obj, string path, int maxItems, List<TruncatedCollection> truncated)
    {
        if (obj.Count <= maxItems)
        {
            return;
        }

        truncated.Add(new TruncatedCollection(path, obj.Count, maxItems));
        foreach (var name in obj.Skip(maxItems).Select(pair => pair.Key).ToList())
        {
            obj.Remove(name);
        }
    }
}
