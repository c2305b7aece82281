using Npgsql;
using NpgsqlTypes;

namespace Sendora.Grains.Sync;

public sealed partial class PostgresTarget
{
    /// <summary>
    /// Runs the chunk's statements as one batch. Every statement returns one row of (added, updated) or (deleted)
    /// counts. An upsert distinguishes an insert from an update by <c>xmax = 0</c>, and updates a row only when a column
    /// differs, so an unchanged row counts neither way.
    /// </summary>
    private async Task<SyncCounts> ApplyAsync(NpgsqlConnection connection, ChunkRows rows, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection) { Timeout = _commandTimeoutSeconds };
        var s = _schema;
        var deleted = rows.DeletedProfileIds.ToArray();
        var kept = rows.ProfileIds.ToArray();

        // Deleted profiles: memberships first, so that audience members who left are counted with memberships.
        Add(batch, $"WITH d AS (DELETE FROM {s}.audience_memberships WHERE profile_id = ANY($1) RETURNING 1) SELECT count(*), 0::bigint FROM d", [deleted]);
        Add(batch, $"WITH d AS (DELETE FROM {s}.external_ids WHERE profile_id = ANY($1) RETURNING 1) SELECT count(*), 0::bigint FROM d", [deleted]);
        Add(batch, $"WITH d AS (DELETE FROM {s}.events WHERE profile_id = ANY($1) RETURNING 1) SELECT count(*), 0::bigint FROM d", [deleted]);
        Add(batch, $"WITH d AS (DELETE FROM {s}.profiles WHERE profile_id = ANY($1) RETURNING 1) SELECT count(*), 0::bigint FROM d", [deleted]);

        Add(batch, $"""
            WITH r AS (
                INSERT INTO {s}.profiles AS p (profile_id, user_id, anonymous_ids, traits, computed_traits, created_at, first_seen, last_seen, synced_at)
                SELECT u.profile_id, u.user_id, ARRAY(SELECT jsonb_array_elements_text(u.anonymous_ids)), u.traits, u.computed_traits,
                    u.created_at, u.first_seen, u.last_seen, now()
                FROM unnest($1::text[], $2::text[], $3::jsonb[], $4::jsonb[], $5::jsonb[], $6::timestamptz[], $7::timestamptz[], $8::timestamptz[])
                    AS u(profile_id, user_id, anonymous_ids, traits, computed_traits, created_at, first_seen, last_seen)
                ON CONFLICT (profile_id) DO UPDATE SET user_id = excluded.user_id, anonymous_ids = excluded.anonymous_ids,
                    traits = excluded.traits, computed_traits = excluded.computed_traits, created_at = excluded.created_at,
                    first_seen = excluded.first_seen, last_seen = excluded.last_seen, synced_at = excluded.synced_at
                WHERE (p.user_id, p.anonymous_ids, p.traits, p.computed_traits, p.created_at, p.first_seen, p.last_seen)
                    IS DISTINCT FROM (excluded.user_id, excluded.anonymous_ids, excluded.traits, excluded.computed_traits,
                        excluded.created_at, excluded.first_seen, excluded.last_seen)
                RETURNING (xmax = 0) AS inserted)
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM r
            """, [kept, rows.UserIds.ToArray(), Json(rows.AnonymousIds), Json(rows.Traits), Json(rows.ComputedTraits),
            rows.CreatedAt.ToArray(), rows.FirstSeen.ToArray(), rows.LastSeen.ToArray()]);

        // Ids and memberships a kept profile no longer has.
        Add(batch, $"""
            WITH d AS (
                DELETE FROM {s}.external_ids e WHERE e.profile_id = ANY($1) AND NOT EXISTS (
                    SELECT 1 FROM unnest($2::text[], $3::text[], $4::text[]) AS k(profile_id, type, value)
                    WHERE k.profile_id = e.profile_id AND k.type = e.type AND k.value = e.value)
                RETURNING 1)
            SELECT count(*), 0::bigint FROM d
            """, [kept, rows.IdProfileIds.ToArray(), rows.IdTypes.ToArray(), rows.IdValues.ToArray()]);
        Add(batch, $"""
            WITH d AS (
                DELETE FROM {s}.audience_memberships m WHERE m.profile_id = ANY($1) AND NOT EXISTS (
                    SELECT 1 FROM unnest($2::text[], $3::text[]) AS k(audience_id, profile_id)
                    WHERE k.audience_id = m.audience_id AND k.profile_id = m.profile_id)
                RETURNING 1)
            SELECT count(*), 0::bigint FROM d
            """, [kept, rows.MemberAudienceIds.ToArray(), rows.MemberProfileIds.ToArray()]);

        Add(batch, $"""
            WITH r AS (
                INSERT INTO {s}.external_ids AS e (profile_id, type, value, source_id, created_at)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[])
                ON CONFLICT (profile_id, type, value) DO UPDATE SET source_id = excluded.source_id, created_at = excluded.created_at
                WHERE (e.source_id, e.created_at) IS DISTINCT FROM (excluded.source_id, excluded.created_at)
                RETURNING (xmax = 0) AS inserted)
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM r
            """, [rows.IdProfileIds.ToArray(), rows.IdTypes.ToArray(), rows.IdValues.ToArray(), rows.IdSources.ToArray(),
            rows.IdCreatedAt.ToArray()]);
        Add(batch, $"""
            WITH r AS (
                INSERT INTO {s}.audience_memberships AS m (audience_id, profile_id, entered_at)
                SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
                ON CONFLICT (audience_id, profile_id) DO UPDATE SET entered_at = excluded.entered_at
                WHERE m.entered_at IS DISTINCT FROM excluded.entered_at
                RETURNING (xmax = 0) AS inserted)
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM r
            """, [rows.MemberAudienceIds.ToArray(), rows.MemberProfileIds.ToArray(), rows.MemberSince.ToArray()]);

        // An event moves with its message id when a merge or split hands it to another profile.
        Add(batch, $"""
            WITH r AS (
                INSERT INTO {s}.events AS e (message_id, profile_id, type, event, timestamp, received_at, source_id, properties, message)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[], $7::text[],
                    $8::jsonb[], $9::jsonb[])
                ON CONFLICT (message_id) DO UPDATE SET profile_id = excluded.profile_id
                WHERE e.profile_id IS DISTINCT FROM excluded.profile_id
                RETURNING (xmax = 0) AS inserted)
            SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM r
            """, [rows.EventMessageIds.ToArray(), rows.EventProfileIds.ToArray(), rows.EventTypes.ToArray(), rows.EventNames.ToArray(),
            rows.EventTimestamps.ToArray(), rows.EventReceivedAt.ToArray(), rows.EventSources.ToArray(),
            Json(rows.EventProperties), Json(rows.EventMessages)]);

        var results = new List<(long First, long Second)>(batch.BatchCommands.Count);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            do
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    results.Add((reader.GetInt64(0), reader.GetInt64(1)));
                }
            }
            while (await reader.NextResultAsync(cancellationToken));
        }

        if (results.Count != batch.BatchCommands.Count)
        {
            throw new InvalidOperationException(
                $"The chunk's batch returned {results.Count} count rows for {batch.BatchCommands.Count} statements.");
        }

        return new SyncCounts
        {
            Memberships = new SyncTableCounts(results[8].First, results[8].Second, results[0].First + results[6].First),
            ExternalIds = new SyncTableCounts(results[7].First, results[7].Second, results[1].First + results[5].First),
            Events = new SyncTableCounts(results[9].First, results[9].Second, results[2].First),
            Profiles = new SyncTableCounts(results[4].First, results[4].Second, results[3].First),
        };
    }

    // The values are a list, not params, because a string[] passed as params object[] would become the params array.
    private static void Add(NpgsqlBatch batch, string sql, IReadOnlyList<object> values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                JsonArray json => new NpgsqlParameter { Value = json.Values, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Jsonb },
                DateTime[] or DateTime?[] => new NpgsqlParameter { Value = value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz },
                _ => new NpgsqlParameter { Value = value },
            });
        }

        batch.BatchCommands.Add(command);
    }

    private static JsonArray Json(IEnumerable<string?> values) => new([.. values]);

    /// <summary>Marks a string array whose items are JSON text, to send as <c>jsonb[]</c>.</summary>
    private sealed record JsonArray(string?[] Values);
}
