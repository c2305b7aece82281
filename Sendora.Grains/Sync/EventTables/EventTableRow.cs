namespace Sendora.Grains.Sync.EventTables;

/// <summary>One row of an event table.</summary>
/// <param name="MessageId">The message's <c>messageId</c>, the primary key.</param>
/// <param name="ProfileId">The profile the event belongs to.</param>
/// <param name="Timestamp">The message's timestamp in UTC.</param>
/// <param name="Values">PostgreSQL input text by column name, for the columns whose value the event stores.</param>
public sealed record EventTableRow(string MessageId, string ProfileId, DateTime Timestamp, IReadOnlyDictionary<string, string> Values);
