using System.Text.Json;

namespace Sendora.Grains.Sync.EventTables;

/// <summary>
/// Decides, without a database, how the track events of one chunk land in their event tables: which tables and
/// columns to create, which columns to widen, the rows and the discarded values. Events are taken in the order given,
/// and the first value of a property fixes its column's type, so the same events in the same order give the same
/// tables however they are split into chunks.
/// </summary>
public sealed class EventTablePlanner
{
    /// <summary>The default maximum of property columns per event table, well below PostgreSQL's 1,600 columns per table.</summary>
    public const int DefaultMaxPropertyColumns = 500;

    /// <summary>
    /// The default maximum of event tables in one sync's schema, so that a source that puts ids or free text into
    /// event names cannot create tables without end.
    /// </summary>
    public const int DefaultMaxTables = 1_000;

    private readonly int _maxPropertyColumns;
    private readonly int _maxTables;

    public EventTablePlanner(int maxPropertyColumns = DefaultMaxPropertyColumns, int maxTables = DefaultMaxTables)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPropertyColumns, 0);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTables, 0);
        _maxPropertyColumns = maxPropertyColumns;
        _maxTables = maxTables;
    }

    /// <summary>
    /// Plans <paramref name="events"/> against <paramref name="existing"/>, the recorded tables they map to.
    /// <paramref name="tableCount"/> is the number of event tables the schema has in all. Once it reaches the
    /// maximum, an event whose table does not exist gets no row, and its properties go to <c>discards</c>.
    /// </summary>
    public EventTablesPlan Plan(
        IReadOnlyDictionary<string, EventTableSchema> existing, IReadOnlyList<TrackEventRecord> events, int tableCount = 0)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(events);
        var tables = new Dictionary<string, EventTablePlan>(StringComparer.Ordinal);
        var beyondLimit = new HashSet<string>(StringComparer.Ordinal);
        var discards = new List<EventDiscard>();
        foreach (var record in events)
        {
            var name = EventTableNames.TableOf(record.EventName);
            if (!tables.TryGetValue(name, out var table))
            {
                if (!existing.ContainsKey(name) && (beyondLimit.Contains(name) || tableCount >= _maxTables))
                {
                    beyondLimit.Add(name);
                    discards.Add(new EventDiscard(
                        record.MessageId, name, string.Empty, record.PropertiesJson ?? "{}", DiscardReasons.TableLimit));
                    continue;
                }

                table = Open(name, record.EventName, existing);
                tables.Add(name, table);
                if (table.IsNew)
                {
                    tableCount++;
                }
            }

            table.Rows.Add(PlanRow(table, record, discards));
        }

        return new EventTablesPlan([.. tables.Values], discards);
    }

    private static EventTablePlan Open(string name, string eventName, IReadOnlyDictionary<string, EventTableSchema> existing)
    {
        if (!existing.TryGetValue(name, out var schema))
        {
            return new EventTablePlan { Name = name, EventName = eventName, IsNew = true };
        }

        var table = new EventTablePlan { Name = name, EventName = schema.EventName, IsNew = false };
        table.Columns.AddRange(schema.Columns);
        return table;
    }

    private EventTableRow PlanRow(EventTablePlan table, TrackEventRecord record, List<EventDiscard> discards)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (record.PropertiesJson is null)
        {
            return new EventTableRow(record.MessageId, record.ProfileId, record.Timestamp, values);
        }

        using var properties = JsonDocument.Parse(record.PropertiesJson);
        if (properties.RootElement.ValueKind != JsonValueKind.Object)
        {
            return new EventTableRow(record.MessageId, record.ProfileId, record.Timestamp, values);
        }

        var discarded = new HashSet<string>(StringComparer.Ordinal);
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        void Discard(string column, JsonElement value, string reason)
        {
            // discards keeps one row per event and column: the first reason wins.
            if (discarded.Add(column))
            {
                discards.Add(new EventDiscard(record.MessageId, table.Name, column,
                    EventValueCoercion.DiscardedTextOf(value), reason));
            }
        }

        foreach (var (path, value) in Flatten(properties.RootElement, []))
        {
            var column = EventTableNames.ColumnOf(path);
            if (value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            // The first non-null value that maps to a column claims it, whether it is stored or discarded.
            if (!claimed.Add(column))
            {
                Discard(column, value, DiscardReasons.ColumnConflict);
                continue;
            }

            var index = table.Columns.FindIndex(c => c.Name == column);
            var stored = index >= 0 ? EventValueCoercion.Coerce(value, table.Columns[index].Type) : EventValueCoercion.Infer(value);
            if (stored is not { } result)
            {
                continue;
            }

            if (result.IsDiscarded)
            {
                Discard(column, value, result.DiscardReason!);
                continue;
            }

            if (index >= 0)
            {
                Widen(table, index, result.Type);
            }
            else if (table.Columns.Count >= _maxPropertyColumns)
            {
                Discard(column, value, DiscardReasons.ColumnLimit);
                continue;
            }
            else
            {
                table.Columns.Add(new EventColumn(column, result.Type, string.Join('.', path)));
                table.AddedColumns.Add(column);
            }

            values[column] = result.Text!;
        }

        return new EventTableRow(record.MessageId, record.ProfileId, record.Timestamp, values);
    }

    private static void Widen(EventTablePlan table, int index, EventColumnType type)
    {
        var column = table.Columns[index];
        if (column.Type == type)
        {
            return;
        }

        if (column.Type != EventColumnType.BigInt || type != EventColumnType.Numeric)
        {
            throw new InvalidOperationException(
                $"Column {table.Name}.{column.Name} cannot change from {column.Type} to {type}: only bigint widens, to numeric.");
        }

        table.Columns[index] = column with { Type = type };
        if (!table.AddedColumns.Contains(column.Name))
        {
            table.WidenedColumns.Add(column.Name);
        }
    }

    /// <summary>
    /// Lists the leaf values of an object in document order with their paths. Nested objects are walked, so an empty
    /// object has no leaves, and arrays are leaves.
    /// </summary>
    private static IEnumerable<(IReadOnlyList<string> Path, JsonElement Value)> Flatten(JsonElement element, IReadOnlyList<string> path)
    {
        foreach (var property in element.EnumerateObject())
        {
            IReadOnlyList<string> childPath = [.. path, property.Name];
            if (property.Value.ValueKind == JsonValueKind.Object)
            {
                foreach (var leaf in Flatten(property.Value, childPath))
                {
                    yield return leaf;
                }
            }
            else
            {
                yield return (childPath, property.Value);
            }
        }
    }
}
