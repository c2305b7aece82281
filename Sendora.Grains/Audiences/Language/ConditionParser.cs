using System.Text.Json;

namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// Builds condition nodes from JSON and reports every problem it finds to a <see cref="DefinitionReader"/>
/// instead of stopping at the first one. A method returns null when its part of the definition is invalid.
/// </summary>
internal sealed partial class ConditionParser(DefinitionReader reader)
{
    private static readonly string[] ProfileKinds =
        ["all", "any", "not", "trait", "event", "funnel", "computed_trait", "groups", "audience"];

    private static readonly string[] PropertyKinds = ["all", "any", "not", "property"];

    private static readonly string[] GroupTraitKinds = ["all", "any", "not", "trait"];

    public ConditionNode? ParseNode(JsonElement element, string path, int depth, ConditionScope scope)
    {
        var kinds = KindsOf(scope);
        if (element.ValueKind != JsonValueKind.Object)
        {
            reader.Error(path, $"A condition {PlaceOf(scope)}must be a JSON object with one of the keys "
                + $"{DefinitionReader.List(kinds)}, not {DefinitionReader.Describe(element)}.");
            return null;
        }

        if (!reader.EnterNode(path, depth))
        {
            return null;
        }

        string? kind = null;
        foreach (var property in element.EnumerateObject())
        {
            // A page or screen condition without a name has only 'type' to mark it as an event condition.
            var propertyKind = property.Name == "type" && scope == ConditionScope.Profile ? "event" : property.Name;
            if (!kinds.Contains(propertyKind) || propertyKind == kind)
            {
                continue;
            }

            if (kind is not null)
            {
                reader.Error(path, "A condition has one kind, but this object has both "
                    + $"'{kind}' and '{property.Name}'. Combine them with \"all\" or \"any\".");
                return null;
            }

            kind = propertyKind;
        }

        if (kind is null)
        {
            reader.Error(path, $"A condition {PlaceOf(scope)}needs one of the keys {DefinitionReader.List(kinds)}."
                + WrongFieldKeyHint(element, scope));
            return null;
        }

        return kind switch
        {
            "all" => ParseLogic(element, path, depth, scope, kind, LogicKind.All),
            "any" => ParseLogic(element, path, depth, scope, kind, LogicKind.Any),
            "not" => ParseLogic(element, path, depth, scope, kind, LogicKind.Not),
            "trait" when scope == ConditionScope.Profile => ParseField(element, path, kind, FieldSource.Trait, scope),
            "computed_trait" => ParseField(element, path, kind, FieldSource.ComputedTrait, scope),
            "trait" or "property" => ParseField(element, path, kind, FieldSource.Subject, scope),
            "event" => ParseEvent(element, path, depth),
            "funnel" => ParseFunnel(element, path, depth),
            "groups" => ParseGroups(element, path, depth),
            _ => ParseAudience(element, path),
        };
    }

    private static string[] KindsOf(ConditionScope scope) => scope switch
    {
        ConditionScope.Profile => ProfileKinds,
        ConditionScope.GroupTraits => GroupTraitKinds,
        _ => PropertyKinds,
    };

    private static string PlaceOf(ConditionScope scope) => scope switch
    {
        ConditionScope.Profile => string.Empty,
        ConditionScope.GroupTraits => "in the where of a groups condition ",
        ConditionScope.EventProperties => "in the where of an event ",
        _ => "in the where of a computed trait ",
    };

    private static string WrongFieldKeyHint(JsonElement element, ConditionScope scope)
    {
        var propertyScope = scope is ConditionScope.EventProperties or ConditionScope.ComputedTraitProperties;
        if (propertyScope && element.TryGetProperty("trait", out _))
        {
            return " Event properties are named with 'property', not 'trait'.";
        }

        return !propertyScope && element.TryGetProperty("property", out _)
            ? " Traits are named with 'trait', and 'property' names event properties inside an event's where."
            : string.Empty;
    }

    private LogicNode? ParseLogic(
        JsonElement element, string path, int depth, ConditionScope scope, string key, LogicKind kind)
    {
        reader.CheckKeys(element, path, $"an '{key}' condition", [key]);
        var value = element.GetProperty(key);
        var valuePath = JsonPath.Property(path, key);
        if (kind == LogicKind.Not)
        {
            var inner = ParseNode(value, valuePath, depth + 1, scope);
            return inner is null ? null : new LogicNode(path, kind, [inner]);
        }

        if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() == 0)
        {
            var actual = value.ValueKind == JsonValueKind.Array ? "an empty array" : DefinitionReader.Describe(value);
            reader.Error(valuePath, $"'{key}' must be a non-empty array of conditions, not {actual}.");
            return null;
        }

        var parts = new List<ConditionNode>();
        var index = 0;
        var valid = true;
        foreach (var item in value.EnumerateArray())
        {
            var part = ParseNode(item, JsonPath.Index(valuePath, index++), depth + 1, scope);
            if (part is null)
            {
                valid = false;
            }
            else
            {
                parts.Add(part);
            }
        }

        return valid ? new LogicNode(path, kind, parts) : null;
    }

    private GroupsNode? ParseGroups(JsonElement element, string path, int depth)
    {
        var errorsBefore = reader.ErrorCount;
        reader.CheckKeys(element, path, "a groups condition", ["groups", "where"]);
        var modeElement = element.GetProperty("groups");
        GroupMode? mode = modeElement.ValueKind == JsonValueKind.String
            ? modeElement.GetString() switch
            {
                "any" => GroupMode.Any,
                "all" => GroupMode.All,
                "none" => GroupMode.None,
                _ => null,
            }
            : null;
        if (mode is null)
        {
            reader.Error(JsonPath.Property(path, "groups"),
                $"'groups' must be \"any\", \"all\" or \"none\", not {DefinitionReader.Describe(modeElement)}.");
        }

        ConditionNode? where = null;
        if (element.TryGetProperty("where", out var whereElement))
        {
            where = ParseNode(whereElement, JsonPath.Property(path, "where"), depth + 1, ConditionScope.GroupTraits);
        }

        return reader.ErrorCount == errorsBefore ? new GroupsNode(path, mode!.Value, where) : null;
    }

    private AudienceNode? ParseAudience(JsonElement element, string path)
    {
        var valid = reader.CheckKeys(element, path, "an audience condition", ["audience"]);
        var id = element.GetProperty("audience");
        if (id.ValueKind != JsonValueKind.String || id.GetString()!.Length == 0)
        {
            reader.Error(JsonPath.Property(path, "audience"), "'audience' must be the id of an audience as a "
                + $"non-empty string, not {DefinitionReader.Describe(id)}.");
            return null;
        }

        reader.AudienceIds.Add(id.GetString()!);
        return valid ? new AudienceNode(path, id.GetString()!) : null;
    }
}
