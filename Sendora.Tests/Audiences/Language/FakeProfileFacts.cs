using System.Text.Json;
using Sendora.Grains.Audiences;

namespace Sendora.Tests.Audiences.Language;

/// <summary>A profile built by hand for condition tests.</summary>
internal sealed class FakeProfileFacts : IProfileFacts
{
    private readonly Dictionary<string, JsonElement> _traits = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonElement> _computedTraits = new(StringComparer.Ordinal);
    private readonly List<EventFact> _events = [];
    private readonly List<JsonElement> _groups = [];
    private readonly HashSet<string> _audiences = new(StringComparer.Ordinal);

    public IReadOnlyList<EventFact> Events => _events;

    public IReadOnlyList<JsonElement> Groups => _groups;

    /// <summary>Sets every top-level key of a JSON object as a trait.</summary>
    public FakeProfileFacts WithTraits(string json)
    {
        foreach (var property in JsonElement.Parse(json).EnumerateObject())
        {
            _traits[property.Name] = property.Value.Clone();
        }

        return this;
    }

    public FakeProfileFacts WithComputedTrait(string key, string json)
    {
        _computedTraits[key] = JsonElement.Parse(json);
        return this;
    }

    public FakeProfileFacts WithEvent(string name, DateTimeOffset timestamp, string properties = "{}", string type = "track")
    {
        _events.Add(new EventFact(type, name, timestamp, JsonElement.Parse(properties)));
        _events.Sort((left, right) => left.Timestamp.CompareTo(right.Timestamp));
        return this;
    }

    public FakeProfileFacts WithGroup(string json)
    {
        _groups.Add(JsonElement.Parse(json));
        return this;
    }

    public FakeProfileFacts WithMembership(string audienceId)
    {
        _audiences.Add(audienceId);
        return this;
    }

    public bool TryGetTrait(string name, out JsonElement value) => _traits.TryGetValue(name, out value);

    public bool TryGetComputedTrait(string key, out JsonElement value) => _computedTraits.TryGetValue(key, out value);

    public bool IsMemberOf(string audienceId) => _audiences.Contains(audienceId);
}
