namespace Sendora.Grains.Audiences.Language;

/// <summary>Arithmetic on instants where <see cref="DateTimeOffset.MaxValue"/> stands for never.</summary>
internal static class Instants
{
    public static readonly DateTimeOffset Never = DateTimeOffset.MaxValue;

    public static readonly DateTimeOffset Always = DateTimeOffset.MinValue;

    /// <summary>Adds a non-negative duration, saturating at <see cref="Never"/> instead of overflowing.</summary>
    public static DateTimeOffset Add(DateTimeOffset instant, TimeSpan duration) =>
        instant == Never || Never - instant <= duration ? Never : instant + duration;

    /// <summary>Subtracts a non-negative duration, saturating at <see cref="Always"/> instead of overflowing.</summary>
    public static DateTimeOffset Subtract(DateTimeOffset instant, TimeSpan duration) =>
        instant - Always <= duration ? Always : instant - duration;

    public static DateTimeOffset? Min(DateTimeOffset? left, DateTimeOffset? right)
    {
        if (left is null)
        {
            return right;
        }

        return right is null || left <= right ? left : right;
    }

    public static DateTimeOffset? OrNull(DateTimeOffset instant) => instant == Never ? null : instant;
}
