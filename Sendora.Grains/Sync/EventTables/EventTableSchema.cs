namespace Sendora.Grains.Sync.EventTables;

/// <summary>An event table as <c>event_tables</c> and <c>event_columns</c> record it before a chunk.</summary>
/// <param name="Name">The table name, from <see cref="EventTableNames.TableOf"/>.</param>
/// <param name="EventName">The event name that created the table. Other names with the same snake_case share the table.</param>
/// <param name="Columns">The property columns in the order they were added.</param>
public sealed record EventTableSchema(string Name, string EventName, IReadOnlyList<EventColumn> Columns);
