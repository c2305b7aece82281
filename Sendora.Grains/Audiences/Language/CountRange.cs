using System.Globalization;

namespace Sendora.Grains.Audiences.Language;

/// <summary>How many matching events an event condition requires, both ends inclusive.</summary>
internal readonly record struct CountRange(int Min, int? Max)
{
    public static readonly CountRange AtLeastOnce = new(1, null);

    public bool Contains(int count) => count >= Min && (Max is null || count <= Max);

    public override string ToString()
    {
        if (Max == Min)
        {
            return Min == 0 ? "never" : $"exactly {Times(Min)}";
        }

        if (Max is { } max)
        {
            return Min == 0 ? $"at most {Times(max)}" : $"between {Min} and {Times(max)}";
        }

        return $"at least {Times(Min)}";
    }

    private static string Times(int count) =>
        count == 1 ? "once" : count.ToString(CultureInfo.InvariantCulture) + " times";
}
