using System.Text.RegularExpressions;
using Cronos;
using Npgsql;

namespace Sendora.Grains.Sync;

/// <summary>Checks and formats the settings of a sync: connection strings, schedules and schema names.</summary>
public static partial class SyncRules
{
    public const string DefaultSchema = "sendora";

    public const int MaxChunkSize = 10_000;

    public const int MaxConnectionStringLength = 4_096;

    /// <summary>The text that replaces a password in every connection string the API returns.</summary>
    public const string PasswordMask = "********";

    /// <summary>Returns why <paramref name="connectionString"/> is not a usable Npgsql connection string, or null when it is.</summary>
    public static string? CheckConnectionString(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return "a non-empty Npgsql connection string such as 'Host=127.0.0.1;Port=5432;Database=app;Username=sendora;Password=…'";
        }

        if (TextLength.IsOver(connectionString, MaxConnectionStringLength))
        {
            return $"at most {MaxConnectionStringLength} characters long";
        }

        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (Exception exception) when (exception is ArgumentException or FormatException)
        {
            return $"a valid Npgsql connection string ({exception.Message.TrimEnd('.')})";
        }

        return string.IsNullOrWhiteSpace(builder.Host) ? "a connection string with a Host" : null;
    }

    /// <summary>Returns <paramref name="connectionString"/> with its password, if any, replaced by <see cref="PasswordMask"/>.</summary>
    public static string MaskPassword(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (!string.IsNullOrEmpty(builder.Password))
        {
            builder.Password = PasswordMask;
        }

        return builder.ConnectionString;
    }

    /// <summary>
    /// Parses a five-field cron expression that matches at least one time, or returns why it does not in
    /// <paramref name="error"/>.
    /// </summary>
    public static CronExpression? ParseSchedule(string? schedule, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(schedule))
        {
            error = "a cron expression of five fields (minute hour day-of-month month day-of-week), such as '*/15 * * * *'";
            return null;
        }

        CronExpression expression;
        try
        {
            expression = CronExpression.Parse(schedule.Trim(), CronFormat.Standard);
        }
        catch (CronFormatException exception)
        {
            error = $"a cron expression of five fields (minute hour day-of-month month day-of-week), such as '*/15 * * * *': {exception.Message.TrimEnd('.')}";
            return null;
        }

        // Cron has no year field, so a schedule repeats at least every 400 years, and one with no occurrence after
        // 1970 has none at all.
        if (expression.GetNextOccurrence(DateTime.UnixEpoch) is null)
        {
            error = $"a cron expression that matches at least one time, and '{schedule.Trim()}' matches none, for example "
                + "because none of the months it lists has its day of month";
            return null;
        }

        return expression;
    }

    /// <summary>
    /// Returns whether <paramref name="schema"/> is a lower-case PostgreSQL identifier that needs no quoting and does not
    /// name a system schema: <c>information_schema</c>, or a name starting with <c>pg_</c>, which PostgreSQL reserves.
    /// </summary>
    public static bool IsValidSchema(string? schema) =>
        schema is not null
        && SchemaPattern().IsMatch(schema)
        && !schema.StartsWith("pg_", StringComparison.Ordinal)
        && schema != "information_schema";

    public const string SchemaRule =
        "1 to 63 characters of lower-case letters, digits and '_', starting with a letter or '_', other than "
        + "'information_schema' and names starting with 'pg_', which PostgreSQL reserves for system schemas";

    // \z, not $, because $ also matches before a final newline.
    [GeneratedRegex(@"^[a-z_][a-z0-9_]{0,62}\z")]
    private static partial Regex SchemaPattern();
}
