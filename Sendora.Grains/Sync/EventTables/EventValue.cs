namespace Sendora.Grains.Sync.EventTables;

/// <summary>
/// A property value as one event table column takes it: the text that PostgreSQL casts to <see cref="Type"/>, or the
/// reason the value is discarded.
/// </summary>
/// <param name="Text">The value as PostgreSQL input text for <see cref="Type"/>; null when discarded.</param>
/// <param name="Type">The column type the value needs, which is wider than the column's type when it widens the column.</param>
/// <param name="DiscardReason">One of <see cref="DiscardReasons"/>, or null when the value is stored.</param>
public readonly record struct EventValue(string? Text, EventColumnType Type, string? DiscardReason)
{
    public bool IsDiscarded => DiscardReason is not null;

    public static EventValue Store(string text, EventColumnType type) => new(text, type, null);

    public static EventValue Discard(EventColumnType type, string reason) => new(null, type, reason);
}
