using System.Text.Json;

namespace Sendora.Grains.Audiences;

/// <summary>
/// The data of one profile that audience conditions and computed traits read. The Profile grain builds
/// it from its state; tests build it by hand.
/// </summary>
public interface IProfileFacts
{
    /// <summary>Finds a trait by name. A trait stored as JSON null is found, with a value of kind Null.</summary>
    bool TryGetTrait(string name, out JsonElement value);

    /// <summary>Finds the current value of a computed trait by its key.</summary>
    bool TryGetComputedTrait(string key, out JsonElement value);

    /// <summary>The events the profile keeps for conditions, oldest first.</summary>
    IReadOnlyList<EventFact> Events { get; }

    /// <summary>The traits of each group the profile belongs to, as JSON objects.</summary>
    IReadOnlyList<JsonElement> Groups { get; }

    /// <summary>Returns whether the profile is a member of another audience of the workspace.</summary>
    bool IsMemberOf(string audienceId);
}

/// <summary>
/// One event as conditions see it: <see cref="Type"/> is <c>track</c>, <c>page</c> or <c>screen</c>,
/// <see cref="Name"/> is the track event's name or the page or screen name (empty when none was sent),
/// and <see cref="Properties"/> is a JSON object.
/// </summary>
public sealed record EventFact(string Type, string Name, DateTimeOffset Timestamp, JsonElement Properties);
