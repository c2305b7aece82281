using System.Text;
using Npgsql;
using Sendora.Grains.Sync.EventTables;

namespace Sendora.Grains.Sync;

public sealed partial class PostgresTarget
{
    /// <summary>
    /// Writes the chunk's track events into their event tables and <c>discards</c>, inside the chunk's transaction.
    /// Creates tables and columns, and widens columns, before the rows go in. Rows of deleted profiles leave every event
    /// table first, as they leave <c>events</c>.
    /// </summary>
    private async Task<(SyncTableCounts Rows, SyncTableCounts Discards)> ApplyEventTablesAsync(
        NpgsqlConnection connection, ChunkRows rows, CancellationToken cancellationToken)
    {
        if (rows.TrackEvents.Count == 0 && rows.DeletedProfileIds.Count == 0)
        {
            return (SyncTableCounts.Zero, SyncTableCounts.Zero);
        }

        // Holds off another chunk of a sync that shares the schema between reading the registry and changing tables.
        await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtext($1))", cancellationToken, "sendora.sync." + _schema);

        await using var batch = new NpgsqlBatch(connection) { Timeout = _commandTimeoutSeconds };
        if (rows.DeletedProfileIds.Count > 0)
        {
            // NOTE: this is one DELETE per event table, without an index on profile_id. Profiles are only deleted by
            // merges, so chunks with deleted profiles are rare.
            foreach (var table in await ReadEventTableNamesAsync(connection, cancellationToken))
            {
                Add(batch, $"""
                    WITH d AS (DELETE FROM {_schema}.{EventTableNames.Quote(table)} WHERE profile_id = ANY($1) RETURNING 1)
                    SELECT count(*), 0::bigint, 'deleted' FROM d
                    """, [rows.DeletedProfileIds.ToArray()]);
            }
        }

        var names = rows.TrackEvents.Select(e => EventTableNames.TableOf(e.EventName)).Distinct().ToArray();
        var (existing, tableCount) = await ReadEventTablesAsync(connection, names, cancellationToken);
        var plan = _planner.Plan(existing, rows.TrackEvents, tableCount);
        foreach (var table in plan.Tables)
        {
            await ChangeEventTableAsync(connection, table, cancellationToken);
            AddUpsert(batch, table);
        }

        Add(batch, $"""
            WITH r AS (
                INSERT INTO {_schema}.discards (message_id, table_name, column_name, value, reason, discarded_at)
                SELECT u.*, now() FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                    AS u(message_id, table_name, column_name, value, reason)
                ON CONFLICT (message_id, table_name, column_name) DO NOTHING
                RETURNING 1)
            SELECT count(*), 0::bigint, 'discards' FROM r
            """, [plan.Discards.Select(d => d.MessageId).ToArray(), plan.Discards.Select(d => d.Table).ToArray(),
            plan.Discards.Select(d => d.Column).ToArray(), plan.Discards.Select(d => d.Value).ToArray(),
            plan.Discards.Select(d => d.Reason).ToArray()]);

        return await ReadEventTableCountsAsync(batch, cancellationToken);
    }

    /// <summary>Creates the table, adds its new columns and widens columns, and records each change in the registry.</summary>
    private async Task ChangeEventTableAsync(NpgsqlConnection connection, EventTablePlan table, CancellationToken cancellationToken)
    {
        var qualified = $"{_schema}.{EventTableNames.Quote(table.Name)}";
        if (table.IsNew)
        {
            // IF NOT EXISTS keeps a table whose registry rows were deleted by hand.
            await ExecuteAsync(connection, $"""
                CREATE TABLE IF NOT EXISTS {qualified} (
                    message_id text PRIMARY KEY,
                    profile_id text NOT NULL,
                    "timestamp" timestamptz NOT NULL
                )
                """, cancellationToken);
            await ExecuteAsync(connection, $"""
                INSERT INTO {_schema}.event_tables (table_name, event_name, created_at) VALUES ($1, $2, now())
                ON CONFLICT (table_name) DO NOTHING
                """, cancellationToken, table.Name, table.EventName);
        }

        var changed = table.Columns
            .Select((column, index) => (Column: column, Position: index + 1))
            .Where(c => table.AddedColumns.Contains(c.Column.Name) || table.WidenedColumns.Contains(c.Column.Name))
            .ToList();
        if (changed.Count == 0)
        {
            return;
        }

        // One ALTER TABLE for all changes. Widening bigint to numeric is exact, so the rows already stored keep their values.
        var actions = changed.Select(c => table.AddedColumns.Contains(c.Column.Name)
            ? $"ADD COLUMN IF NOT EXISTS {EventTableNames.Quote(c.Column.Name)} {EventColumnTypes.ToSql(c.Column.Type)}"
            : $"ALTER COLUMN {EventTableNames.Quote(c.Column.Name)} TYPE {EventColumnTypes.ToSql(c.Column.Type)}");
        await ExecuteAsync(connection, $"ALTER TABLE {qualified} {string.Join(", ", actions)}", cancellationToken);

        // A widened column already has its row, whose position and property stay.
        await ExecuteAsync(connection, $"""
            INSERT INTO {_schema}.event_columns (table_name, column_name, position, data_type, property, added_at)
            SELECT $1, u.column_name, u.position, u.data_type, u.property, now()
            FROM unnest($2::text[], $3::integer[], $4::text[], $5::text[]) AS u(column_name, position, data_type, property)
            ON CONFLICT (table_name, column_name) DO UPDATE SET data_type = excluded.data_type
            """, cancellationToken, table.Name, changed.Select(c => c.Column.Name).ToArray(), changed.Select(c => c.Position).ToArray(),
            changed.Select(c => EventColumnTypes.ToSql(c.Column.Type)).ToArray(), changed.Select(c => c.Column.Property).ToArray());
    }

    /// <summary>
    /// Adds the upsert of the table's rows, which sets only the columns some row of the chunk has a value for. The
    /// columns an event has no value for stay as they are, because an event's properties never change.
    /// </summary>
    private void AddUpsert(NpgsqlBatch batch, EventTablePlan table)
    {
        var columns = table.Columns.Where(c => table.Rows.Any(r => r.Values.ContainsKey(c.Name))).ToList();
        var names = new List<string> { "message_id", "profile_id", "\"timestamp\"" };
        names.AddRange(columns.Select(c => EventTableNames.Quote(c.Name)));

        var arrays = new StringBuilder("$1::text[], $2::text[], $3::timestamptz[]");
        var selected = new StringBuilder("u.c0, u.c1, u.c2");
        var aliases = new StringBuilder("c0, c1, c2");
        var values = new List<object>
        {
            table.Rows.Select(r => r.MessageId).ToArray(),
            table.Rows.Select(r => r.ProfileId).ToArray(),
            table.Rows.Select(r => r.Timestamp).ToArray(),
        };
        for (var i = 0; i < columns.Count; i++)
        {
            var column = columns[i];
            var alias = $"c{i + 3}";
            arrays.Append($", ${i + 4}::text[]");
            selected.Append($", u.{alias}::{EventColumnTypes.ToSql(column.Type)}");
            aliases.Append($", {alias}");
            values.Add(table.Rows.Select(r => r.Values.GetValueOrDefault(column.Name)).ToArray());
        }

        var updated = names.Skip(1).ToList();
        Add(batch, $"""
            WITH r AS (
                INSERT INTO {_schema}.{EventTableNames.Quote(table.Name)} AS t ({string.Join(", ", names)})
                SELECT {selected} FROM unnest({arrays}) AS u({aliases})
                ON CONFLICT (message_id) DO UPDATE SET {string.Join(", ", updated.Select(n => $"{n} = excluded.{n}"))}
                WHERE ({string.Join(", ", updated.Select(n => "t." + n))})
                    IS DISTINCT FROM ({string.Join(", ", updated.Select(n => "excluded." + n))})
                RETURNING (xmax = 0) AS inserted)
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted), 'rows' FROM r
            """, values);
    }

    /// <summary>Sums the (first, second, kind) rows of the batch into event table and discard counts.</summary>
    private static async Task<(SyncTableCounts Rows, SyncTableCounts Discards)> ReadEventTableCountsAsync(
        NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        var rows = SyncTableCounts.Zero;
        var discards = SyncTableCounts.Zero;
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        do
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var (first, second) = (reader.GetInt64(0), reader.GetInt64(1));
                switch (reader.GetString(2))
                {
                    case "deleted":
                        rows = rows.Plus(new SyncTableCounts(0, 0, first));
                        break;
                    case "rows":
                        rows = rows.Plus(new SyncTableCounts(first, second, 0));
                        break;
                    default:
                        discards = discards.Plus(new SyncTableCounts(first, 0, 0));
                        break;
                }
            }
        }
        while (await reader.NextResultAsync(cancellationToken));

        return (rows, discards);
    }

    private async Task<List<string>> ReadEventTableNamesAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT table_name FROM {_schema}.event_tables ORDER BY table_name", connection)
        {
            CommandTimeout = _commandTimeoutSeconds,
        };
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>
    /// Reads the registry entries of <paramref name="tables"/>, those that exist, with columns in position order, and
    /// the count of all event tables of the schema, in one query.
    /// </summary>
    private async Task<(Dictionary<string, EventTableSchema> Tables, int TableCount)> ReadEventTablesAsync(
        NpgsqlConnection connection, string[] tables, CancellationToken cancellationToken)
    {
        // The count comes from a one-row subquery, so the result has a row even when no table matches.
        await using var command = new NpgsqlCommand($"""
            SELECT n.total, t.table_name, t.event_name, c.column_name, c.data_type, c.property
            FROM (SELECT count(*) AS total FROM {_schema}.event_tables) n
            LEFT JOIN {_schema}.event_tables t ON t.table_name = ANY($1)
            LEFT JOIN {_schema}.event_columns c ON c.table_name = t.table_name
            ORDER BY t.table_name, c.position
            """, connection)
        {
            CommandTimeout = _commandTimeoutSeconds,
            Parameters = { new() { Value = tables } },
        };
        var found = new Dictionary<string, (string EventName, List<EventColumn> Columns)>(StringComparer.Ordinal);
        var tableCount = 0;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                tableCount = (int)reader.GetInt64(0);
                if (reader.IsDBNull(1))
                {
                    continue;
                }

                var name = reader.GetString(1);
                if (!found.TryGetValue(name, out var table))
                {
                    table = (reader.GetString(2), []);
                    found.Add(name, table);
                }

                if (!reader.IsDBNull(3))
                {
                    table.Columns.Add(new EventColumn(
                        reader.GetString(3), EventColumnTypes.FromSql(reader.GetString(4)), reader.GetString(5)));
                }
            }
        }

        var schemas = found.ToDictionary(
            pair => pair.Key, pair => new EventTableSchema(pair.Key, pair.Value.EventName, pair.Value.Columns), StringComparer.Ordinal);
        return (schemas, tableCount);
    }
}
