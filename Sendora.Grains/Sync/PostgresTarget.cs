using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Sendora.Grains.Sync.EventTables;

namespace Sendora.Grains.Sync;

/// <summary>
/// The PostgreSQL database and schema of one sync: creates and migrates its tables, reads its checkpoint and writes
/// one chunk of profiles together with the next checkpoint in one transaction.
/// </summary>
public sealed partial class PostgresTarget : IAsyncDisposable
{
    private static readonly JsonSerializerOptions CheckpointJson = JsonSerializerOptions.Web;

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _schema;
    private readonly int _commandTimeoutSeconds;
    private readonly EventTablePlanner _planner;

    /// <summary>Prepares a pool of connections; nothing connects until a method runs.</summary>
    /// <remarks>The schema name must pass <see cref="SyncRules.IsValidSchema"/>, because statements use it unquoted.</remarks>
    public PostgresTarget(
        string connectionString, string schema, TimeSpan commandTimeout, int maxEventTables = EventTablePlanner.DefaultMaxTables)
    {
        if (!SyncRules.IsValidSchema(schema))
        {
            throw new ArgumentException($"Schema '{schema}' must be {SyncRules.SchemaRule}.", nameof(schema));
        }

        _dataSource = NpgsqlDataSource.Create(connectionString);
        _schema = schema;
        _commandTimeoutSeconds = (int)Math.Clamp(commandTimeout.TotalSeconds, 1, int.MaxValue);
        _planner = new EventTablePlanner(maxTables: maxEventTables);
    }

    /// <summary>
    /// Creates the schema and its version table if missing, then applies each migration newer than the stored version,
    /// in order, in one transaction. An advisory lock keeps two runs from migrating the same schema at once.
    /// Returns the schema version.
    /// </summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, "SELECT pg_advisory_xact_lock(hashtext($1))", cancellationToken, "sendora.sync." + _schema);
        await ExecuteAsync(connection, $"""
            CREATE SCHEMA IF NOT EXISTS {_schema};
            CREATE TABLE IF NOT EXISTS {_schema}.schema_version (
                version integer PRIMARY KEY,
                description text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """, cancellationToken);

        await using var read = new NpgsqlCommand($"SELECT coalesce(max(version), 0) FROM {_schema}.schema_version", connection);
        read.CommandTimeout = _commandTimeoutSeconds;
        var current = (int)(await read.ExecuteScalarAsync(cancellationToken))!;
        if (current > PostgresMigrations.Latest)
        {
            throw new InvalidOperationException(
                $"Schema '{_schema}' is at version {current}, newer than version {PostgresMigrations.Latest} that this "
                + "Sendora knows: upgrade Sendora or sync to another schema.");
        }

        foreach (var migration in PostgresMigrations.All.Where(m => m.Version > current))
        {
            await ExecuteAsync(connection, migration.Sql.Replace("{schema}", _schema, StringComparison.Ordinal), cancellationToken);
            await ExecuteAsync(connection,
                $"INSERT INTO {_schema}.schema_version (version, description) VALUES ($1, $2)",
                cancellationToken, migration.Version, migration.Description);
        }

        await transaction.CommitAsync(cancellationToken);
        return PostgresMigrations.Latest;
    }

    /// <summary>Returns the committed checkpoint of <paramref name="syncKey"/>, or null before its first chunk.</summary>
    public async Task<SyncCheckpoint?> ReadCheckpointAsync(string syncKey, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT checkpoint::text FROM {_schema}.sync_checkpoints WHERE sync_id = $1", connection)
        {
            CommandTimeout = _commandTimeoutSeconds,
            Parameters = { new() { Value = syncKey } },
        };
        return await command.ExecuteScalarAsync(cancellationToken) is string json
            ? JsonSerializer.Deserialize<SyncCheckpoint>(json, CheckpointJson)
            : null;
    }

    /// <summary>
    /// Applies <paramref name="records"/> and stores the checkpoint that <paramref name="checkpoint"/> builds from the
    /// rows they changed, in one transaction. Returns the rows changed by this chunk alone.
    /// </summary>
    public async Task<SyncCounts> WriteChunkAsync(
        string syncKey, IReadOnlyList<Profiles.ProfileSyncRecord> records, Func<SyncCounts, SyncCheckpoint> checkpoint,
        CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = ChunkRows.From(records);
        var counts = await ApplyAsync(connection, rows, cancellationToken);
        var (eventTables, discards) = await ApplyEventTablesAsync(connection, rows, cancellationToken);
        counts = counts with { EventTables = eventTables, Discards = discards };

        var next = checkpoint(counts);
        await ExecuteAsync(connection, $"""
            INSERT INTO {_schema}.sync_checkpoints (sync_id, reset_generation, run_id, checkpoint, updated_at)
            VALUES ($1, $2, $3, $4::jsonb, now())
            ON CONFLICT (sync_id) DO UPDATE SET reset_generation = excluded.reset_generation, run_id = excluded.run_id,
                checkpoint = excluded.checkpoint, updated_at = excluded.updated_at
            """, cancellationToken, syncKey, next.ResetGeneration, next.RunId, JsonSerializer.Serialize(next, CheckpointJson));
        await transaction.CommitAsync(cancellationToken);
        return counts;
    }

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = _commandTimeoutSeconds };
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
