using System.Text.Json;
using Sendora.Grains.Audiences.Language;

namespace Sendora.Grains.Audiences.ComputedTraits;

public sealed partial class ComputedTraitDefinition
{
    private static readonly string[] DefinitionKeys = ["kind", "event", "type", "property", "where", "window"];

    private static ComputedTraitDefinition? Read(JsonElement definition, DefinitionReader reader)
    {
        const string root = "$";
        if (definition.ValueKind != JsonValueKind.Object)
        {
            reader.Error(root, "A computed trait must be a JSON object such as "
                + "{\"kind\": \"sum\", \"event\": \"Order Completed\", \"property\": \"total\"}, "
                + $"not {DefinitionReader.Describe(definition)}.");
            return null;
        }

        reader.EnterNode(root, depth: 1);
        reader.CheckKeys(definition, root, "a computed trait", DefinitionKeys);
        var kind = ReadKind(definition, reader);

        var parser = new ConditionParser(reader);
        var matcher = parser.ParseMatcher(definition, root, depth: 1, ConditionScope.ComputedTraitProperties);
        var property = ReadProperty(definition, kind, reader);
        var window = definition.TryGetProperty("window", out var windowElement)
            ? parser.ParseWindow(windowElement, "$.window")
            : null;
        if (reader.ErrorCount > 0 || kind is null || matcher is null)
        {
            return null;
        }

        return new ComputedTraitDefinition(kind, FingerprintOf(definition), matcher, property, window);
    }

    private static string? ReadKind(JsonElement definition, DefinitionReader reader)
    {
        var names = DefinitionReader.List(KindsByName.Keys);
        if (!definition.TryGetProperty("kind", out var kind))
        {
            reader.Error("$.kind", $"The key 'kind' is missing. Use one of: {names}.");
            return null;
        }

        if (kind.ValueKind != JsonValueKind.String)
        {
            reader.Error("$.kind", $"'kind' must be a string, not {DefinitionReader.Describe(kind)}. "
                + $"Use one of: {names}.");
            return null;
        }

        if (!KindsByName.ContainsKey(kind.GetString()!))
        {
            reader.Error("$.kind", $"Unknown kind {JsonSerializer.Serialize(kind.GetString())}. Use one of: {names}.");
            return null;
        }

        return kind.GetString();
    }

    /// <summary>Reads the property to aggregate, which every kind but count requires and count rejects.</summary>
    private static FieldPath? ReadProperty(JsonElement definition, string? kind, DefinitionReader reader)
    {
        var hasProperty = definition.TryGetProperty("property", out var property);
        if (kind == "count")
        {
            if (hasProperty)
            {
                reader.Error("$.property", "A count takes no 'property' because it counts the matching events. "
                    + "Filter on a property with 'where'.");
            }

            return null;
        }

        if (!hasProperty)
        {
            if (kind is not null)
            {
                reader.Error("$.property",
                    $"The key 'property' is missing. A {kind} needs the event property it reads.");
            }

            return null;
        }

        var name = property.ValueKind == JsonValueKind.String ? property.GetString()! : string.Empty;
        if (!FieldPath.IsValid(name))
        {
            reader.Error("$.property", "'property' must be a property name, with single dots between nested names "
                + $"as in address.city, not {DefinitionReader.Describe(property)}.");
            return null;
        }

        return new FieldPath(name);
    }
}
