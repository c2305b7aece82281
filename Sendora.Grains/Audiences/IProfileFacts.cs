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
public sealed class EventFact
{
    private readonly ReadOnlyMemory<byte> _utf8Properties;
    private JsonElement? _properties;

    /// <summary>Creates an event whose properties are parsed already.</summary>
    public EventFact(string type, string name, DateTimeOffset timestamp, JsonElement properties)
    {
        Type = type;
        Name = name;
        Timestamp = timestamp;
        _properties = properties;
    }

    /// <summary>
    /// Creates an event whose properties are parsed from <paramref name="utf8Properties"/> when first read, so
    /// that events no condition looks into cost no parsed copy. The memory must not change while the fact lives.
    /// </summary>
    public EventFact(string type, string name, DateTimeOffset timestamp, ReadOnlyMemory<byte> utf8Properties)
    {
        Type = type;
        Name = name;
        Timestamp = timestamp;
        _utf8Properties = utf8Properties;
    }

    public string Type { get; }

    public string Name { get; }

    public DateTimeOffset Timestamp { get; }

    /// <summary>The properties object, parsed on first read and kept for the life of this fact.</summary>
    public JsonElement Properties => _properties ??= Parse(_utf8Properties.Span);

    private static JsonElement Parse(ReadOnlySpan<byte> utf8Json)
    {
        var reader = new Utf8JsonReader(utf8Json);
        return JsonElement.ParseValue(ref reader);
    }
}
