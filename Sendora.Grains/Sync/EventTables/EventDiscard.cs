namespace Sendora.Grains.Sync.EventTables;

/// <summary>A property value left out of its event table, as a row of <c>discards</c>.</summary>
/// <param name="MessageId">The event's <c>messageId</c>.</param>
/// <param name="Table">The event table the value was meant for.</param>
/// <param name="Column">The column the value was meant for.</param>
/// <param name="Value">A string value as itself, any other value as its JSON text.</param>
/// <param name="Reason">One of <see cref="DiscardReasons"/>.</param>
public sealed record EventDiscard(string MessageId, string Table, string Column, string Value, string Reason);
