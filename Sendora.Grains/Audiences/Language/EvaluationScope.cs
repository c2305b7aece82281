using System.Text.Json;

namespace Sendora.Grains.Audiences.Language;

/// <summary>
/// What a node is evaluated against: the profile, the instant, and for nodes inside an event's
/// <c>where</c> or a <c>groups</c> condition the event's properties or the group's traits as
/// <see cref="Subject"/>. Facts are null only when a computed trait filters one event.
/// </summary>
internal readonly record struct EvaluationScope(IProfileFacts? Facts, DateTimeOffset Now, JsonElement Subject)
{
    public IProfileFacts RequireFacts() =>
        Facts ?? throw new InvalidOperationException(
            "This condition reads profile data, but it was evaluated against a single event.");

    public EvaluationScope WithSubject(JsonElement subject) => this with { Subject = subject };
}
