namespace Sendora.Grains.Sync;

/// <summary>
/// The schema changes of a sync's target, applied in version order. <c>{schema}</c> stands for the sync's schema.
/// A released migration never changes: a change to the tables is a new migration with the next version.
/// </summary>
public static class PostgresMigrations
{
    public sealed record Migration(int Version, string Description, string Sql);

    public static IReadOnlyList<Migration> All { get; } =
    [
        new(1, "Create the profile, external id, membership, event and checkpoint tables", """
            CREATE TABLE {schema}.profiles (
                profile_id text PRIMARY KEY,
                user_id text,
                anonymous_ids text[] NOT NULL DEFAULT '{}',
                traits jsonb NOT NULL DEFAULT '{}',
                computed_traits jsonb NOT NULL DEFAULT '{}',
                created_at timestamptz,
                first_seen timestamptz,
                last_seen timestamptz,
                synced_at timestamptz NOT NULL
            );
            CREATE INDEX profiles_user_id ON {schema}.profiles (user_id);

            CREATE TABLE {schema}.external_ids (
                profile_id text NOT NULL,
                type text NOT NULL,
                value text NOT NULL,
                source_id text,
                created_at timestamptz,
                PRIMARY KEY (profile_id, type, value)
            );
            CREATE INDEX external_ids_type_value ON {schema}.external_ids (type, value);

            CREATE TABLE {schema}.audience_memberships (
                audience_id text NOT NULL,
                profile_id text NOT NULL,
                entered_at timestamptz NOT NULL,
                PRIMARY KEY (audience_id, profile_id)
            );
            CREATE INDEX audience_memberships_profile_id ON {schema}.audience_memberships (profile_id);

            CREATE TABLE {schema}.events (
                message_id text PRIMARY KEY,
                profile_id text NOT NULL,
                type text NOT NULL,
                event text,
                timestamp timestamptz NOT NULL,
                received_at timestamptz,
                source_id text,
                properties jsonb,
                message jsonb NOT NULL
            );
            CREATE INDEX events_profile_id_timestamp ON {schema}.events (profile_id, timestamp);

            CREATE TABLE {schema}.sync_checkpoints (
                sync_id text PRIMARY KEY,
                reset_generation bigint NOT NULL,
                run_id text NOT NULL,
                checkpoint jsonb NOT NULL,
                updated_at timestamptz NOT NULL
            );
            """),
        new(2, "Create the event table registry and the discards table", """
            CREATE TABLE {schema}.event_tables (
                table_name text PRIMARY KEY,
                event_name text NOT NULL,
                created_at timestamptz NOT NULL
            );

            CREATE TABLE {schema}.event_columns (
                table_name text NOT NULL REFERENCES {schema}.event_tables (table_name),
                column_name text NOT NULL,
                position integer NOT NULL,
                data_type text NOT NULL CHECK (data_type IN ('boolean', 'bigint', 'numeric', 'text', 'jsonb')),
                property text NOT NULL,
                added_at timestamptz NOT NULL,
                PRIMARY KEY (table_name, column_name)
            );

            CREATE TABLE {schema}.discards (
                message_id text NOT NULL,
                table_name text NOT NULL,
                column_name text NOT NULL,
                value text NOT NULL,
                reason text NOT NULL,
                discarded_at timestamptz NOT NULL,
                PRIMARY KEY (message_id, table_name, column_name)
            );
            CREATE INDEX discards_table_name_column_name ON {schema}.discards (table_name, column_name);
            """),
    ];

    /// <summary>The version of the newest migration.</summary>
    public static int Latest => All[^1].Version;
}
