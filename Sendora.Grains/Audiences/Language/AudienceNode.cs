using System.Text.Json;

namespace Sendora.Grains.Audiences.Language;

/// <summary>Membership of another audience of the workspace.</summary>
internal sealed class AudienceNode(string path, string audienceId) : ConditionNode(path)
{
    public override string Description => "member of audience " + JsonSerializer.Serialize(audienceId);

    public override NodeResult Evaluate(in EvaluationScope scope) =>
        NodeResult.Fixed(scope.RequireFacts().IsMemberOf(audienceId));
}
