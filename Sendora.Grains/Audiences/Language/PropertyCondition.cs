using System.Text.Json;

namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// A condition on one message's properties, written as the <c>where</c> of an event condition: <c>property</c>,
/// <c>all</c>, <c>any</c> and <c>not</c> nodes. It is immutable and thread-safe.
/// </summary>
public sealed class PropertyCondition
{
    private readonly ConditionNode _root;

    private PropertyCondition(ConditionNode root) => _root = root;

    /// <summary>
    /// Parses a condition. An invalid one never throws: the result is null and <paramref name="errors"/> lists each
    /// problem with the JSON path of its node under <paramref name="rootPath"/>.
    /// </summary>
    public static PropertyCondition? Parse(JsonElement definition, string rootPath, out IReadOnlyList<ConditionError> errors)
    {
        ArgumentNullException.ThrowIfNull(rootPath);
        var reader = new DefinitionReader();
        var root = new ConditionParser(reader).ParseNode(definition, rootPath, depth: 1, ConditionScope.EventProperties);
        errors = reader.Errors;
        return root is null || reader.ErrorCount > 0 ? null : new PropertyCondition(root);
    }

    /// <summary>Parses a condition that was validated when it was saved; throws when it is no longer valid.</summary>
    public static PropertyCondition ParseValid(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Parse(document.RootElement, JsonPath.Root, out var errors)
            ?? throw new FormatException($"The property condition is invalid: {errors[0].Path}: {errors[0].Message}");
    }

    /// <summary>Tests <paramref name="properties"/>, a JSON object or an undefined element for a message without any.</summary>
    public bool Matches(JsonElement properties, DateTimeOffset now) =>
        _root.Evaluate(new EvaluationScope(null, now, properties)).Matches;
}
