using System.Text.Json;

namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// A parsed audience condition. It is immutable and thread-safe, so a workspace can parse each
/// definition once and evaluate it against every profile. The language is described in docs/audiences.md.
/// </summary>
public sealed class Condition
{
    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = ConditionLimits.MaxJsonDepth };

    private readonly ConditionNode _root;

    private Condition(ConditionNode root, IReadOnlySet<string> audienceIds, IReadOnlySet<string> computedTraitKeys)
    {
        _root = root;
        AudienceIds = audienceIds;
        ComputedTraitKeys = computedTraitKeys;
    }

    /// <summary>The ids of the audiences the condition refers to, so the caller can reject cycles.</summary>
    public IReadOnlySet<string> AudienceIds { get; }

    /// <summary>The keys of the computed traits the condition reads.</summary>
    public IReadOnlySet<string> ComputedTraitKeys { get; }

    /// <summary>
    /// Parses and validates a definition. An invalid definition never throws. The result then has no condition
    /// and lists every error found, each with the JSON path of the invalid node.
    /// </summary>
    public static ConditionParseResult Parse(JsonElement definition)
    {
        var reader = new DefinitionReader();
        var root = new ConditionParser(reader).ParseNode(definition, JsonPath.Root, depth: 1, ConditionScope.Profile);
        if (root is null || reader.ErrorCount > 0)
        {
            return new ConditionParseResult(null, reader.Errors);
        }

        return new ConditionParseResult(new Condition(root, reader.AudienceIds, reader.ComputedTraitKeys), []);
    }

    /// <summary>Parses a definition from JSON text. Text that is not JSON is an error at <c>$</c>.</summary>
    public static ConditionParseResult Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json, JsonOptions);
            return Parse(document.RootElement);
        }
        catch (JsonException exception)
        {
            var error = new ConditionError(JsonPath.Root, "The definition is not valid JSON: " + exception.Message);
            return new ConditionParseResult(null, [error]);
        }
    }

    /// <summary>Evaluates the condition against a profile at <paramref name="now"/>.</summary>
    public Evaluation Evaluate(IProfileFacts facts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var result = _root.Evaluate(new EvaluationScope(facts, now, default));
        return new Evaluation(result.Matches, result.NextChangeAt);
    }

    /// <summary>Evaluates the condition and returns the result of every node, for display and debugging.</summary>
    public ConditionTrace Explain(IProfileFacts facts, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(facts);
        return _root.Explain(new EvaluationScope(facts, now, default));
    }
}
