using System.Text.Json;
using Sendora.Grains.Audiences;

namespace Sendora.Grains.Profiles;

/// <summary>
/// The view of a profile's state that conditions read. Trait values are parsed on first use; a dotted name
/// that is not a trait of its own is read as a path into an object trait (<c>address.city</c>).
/// </summary>
internal sealed class ProfileFacts(
    ProfileState state,
    IReadOnlyList<EventFact> events,
    IReadOnlyList<JsonElement> groups,
    Func<string, JsonElement?> computedTraits) : IProfileFacts
{
    private readonly Dictionary<string, JsonElement> _parsed = new(StringComparer.Ordinal);

    public IReadOnlyList<EventFact> Events => events;

    public IReadOnlyList<JsonElement> Groups => groups;

    public bool TryGetTrait(string name, out JsonElement value)
    {
        if (TryGetTopLevel(name, out value))
        {
            return true;
        }

        var dot = name.IndexOf('.');
        if (dot <= 0 || !TryGetTopLevel(name[..dot], out var current))
        {
            return false;
        }

        foreach (var segment in name[(dot + 1)..].Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(segment, out current))
            {
                value = default;
                return false;
            }
        }

        value = current;
        return true;
    }

    public bool TryGetComputedTrait(string key, out JsonElement value)
    {
        var found = computedTraits(key);
        value = found ?? default;
        return found is not null;
    }

    public bool IsMemberOf(string audienceId) => state.Audiences.Memberships.ContainsKey(audienceId);

    private bool TryGetTopLevel(string name, out JsonElement value)
    {
        if (_parsed.TryGetValue(name, out value))
        {
            return true;
        }

        if (!state.Traits.TryGetValue(name, out var json))
        {
            return false;
        }

        using var document = JsonDocument.Parse(json);
        value = document.RootElement.Clone();
        _parsed[name] = value;
        return true;
    }
}
