namespace Sendora.Grains.Sync.EventTables;

/// <summary>A property column of an event table, as <c>event_columns</c> records it.</summary>
/// <param name="Name">The column name, from <see cref="EventTableNames.ColumnOf"/>.</param>
/// <param name="Type">The column's PostgreSQL type.</param>
/// <param name="Property">The path of the property that created the column, with <c>.</c> between levels, such as <c>cart.itemCount</c>.</param>
public sealed record EventColumn(string Name, EventColumnType Type, string Property);
