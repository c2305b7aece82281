using System.Text.Json;

namespace Sendora.Grains.Audiences.Language;

/// <summary>A trait, property, computed trait or group trait compared with an operator.</summary>
internal sealed class FieldNode(string path, string fieldKey, FieldSource source, FieldPath fieldPath, ValueTest test)
    : ConditionNode(path)
{
    public override string Description =>
        $"{fieldKey.Replace('_', ' ')} {JsonSerializer.Serialize(fieldPath.Name)} {test.Description}";

    public override NodeResult Evaluate(in EvaluationScope scope) => test.Evaluate(Find(scope), scope.Now);

    private JsonElement? Find(in EvaluationScope scope)
    {
        JsonElement value;
        var found = source switch
        {
            FieldSource.Trait => fieldPath.TryFind(scope.RequireFacts().TryGetTrait, out value),
            FieldSource.ComputedTrait => scope.RequireFacts().TryGetComputedTrait(fieldPath.Name, out value)
                && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined),
            _ => fieldPath.TryFind(scope.Subject, out value),
        };
        return found ? value : null;
    }
}
