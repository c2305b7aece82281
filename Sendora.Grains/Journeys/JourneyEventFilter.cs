using System.Text.Json;
using Sendora.Grains.Audiences;
using Sendora.Grains.Audiences.Language;

namespace Sendora.Grains.Journeys;

/// <summary>
/// Which events a trigger, exit rule, wait or goal reacts to: a type (track, page or screen), a name and an
/// optional condition on the event's properties, written as in audience event conditions.
/// </summary>
public sealed class JourneyEventFilter
{
    private readonly EventMatcher _matcher;

    internal JourneyEventFilter(EventMatcher matcher) => _matcher = matcher;

    public string Type => _matcher.Type;

    /// <summary>The event name; null matches every page or screen.</summary>
    public string? Name => _matcher.Name;

    /// <summary>Returns whether an event of <paramref name="type"/> and <paramref name="name"/> with <paramref name="properties"/> passes.</summary>
    public bool Matches(string type, string name, JsonElement properties, DateTimeOffset now)
    {
        var fact = new EventFact(type, name, now, properties);
        return _matcher.MatchesName(fact) && _matcher.TestProperties(fact, null, now).Matches;
    }
}
