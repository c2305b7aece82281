namespace Sendora.Grains.Sync.EventTables;

/// <summary>What one chunk changes in one event table: its new columns, widened columns and rows.</summary>
public sealed class EventTablePlan
{
    public required string Name { get; init; }

    public required string EventName { get; init; }

    /// <summary>True when the table is not yet in <c>event_tables</c> and the chunk creates it.</summary>
    public required bool IsNew { get; init; }

    /// <summary>Every property column after the chunk, in the order they were added, with its type after the chunk.</summary>
    public List<EventColumn> Columns { get; } = [];

    /// <summary>The columns the chunk adds, by name.</summary>
    public HashSet<string> AddedColumns { get; } = new(StringComparer.Ordinal);

    /// <summary>Columns that existed before the chunk and that it widens from bigint to numeric.</summary>
    public HashSet<string> WidenedColumns { get; } = new(StringComparer.Ordinal);

    public List<EventTableRow> Rows { get; } = [];
}
