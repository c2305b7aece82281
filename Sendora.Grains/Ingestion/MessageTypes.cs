namespace Sendora.Grains.Ingestion;

/// <summary>The Segment call types that the tracking API accepts.</summary>
public static class MessageTypes
{
    public const string Identify = "identify";
    public const string Track = "track";
    public const string Page = "page";
    public const string Screen = "screen";
    public const string Group = "group";
    public const string Alias = "alias";

    public static readonly IReadOnlyList<string> All = [Identify, Track, Page, Screen, Group, Alias];

    /// <summary>Returns the canonical lower-case type for <paramref name="value"/>, or null when it names none.</summary>
    public static string? Normalize(string? value)
    {
        if (value is null)
        {
            return null;
        }

        foreach (var type in All)
        {
            if (string.Equals(type, value.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return type;
            }
        }

        return null;
    }
}
