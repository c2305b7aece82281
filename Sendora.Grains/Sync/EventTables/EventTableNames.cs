using System.Security.Cryptography;
using System.Text;

namespace Sendora.Grains.Sync.EventTables;

/// <summary>
/// Derives the PostgreSQL names of event tables and their property columns. Names are snake_case, and a name longer
/// than PostgreSQL's 63-byte identifier limit is cut and ends with a hash of the whole name, so it stays stable and
/// distinct.
/// </summary>
public static class EventTableNames
{
    /// <summary>The prefix of every event table. No other table of a sync starts with it.</summary>
    public const string TablePrefix = "track_";

    /// <summary>PostgreSQL's limit on identifiers in bytes (NAMEDATALEN - 1); it silently cuts longer names.</summary>
    public const int MaxIdentifierBytes = 63;

    /// <summary>The prefix of a property column whose name would equal one of <see cref="FixedColumns"/>.</summary>
    public const string ReservedPrefix = "property_";

    /// <summary>The columns every event table starts with, ahead of its property columns.</summary>
    public static readonly IReadOnlyList<string> FixedColumns = ["message_id", "profile_id", "timestamp"];

    private const int HashHexLength = 8;

    /// <summary>Returns the table of the track events named <paramref name="eventName"/>, such as <c>track_order_completed</c>.</summary>
    public static string TableOf(string eventName)
    {
        ArgumentNullException.ThrowIfNull(eventName);
        return Limit(TablePrefix + SnakeCaseOrHash(eventName));
    }

    /// <summary>
    /// Returns the column of a property, given its path from the top of <c>properties</c>: <c>["cart", "itemCount"]</c>
    /// becomes <c>cart_item_count</c>.
    /// </summary>
    public static string ColumnOf(IReadOnlyList<string> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = SnakeCaseOrHash(string.Join("_", path));
        if (FixedColumns.Contains(name))
        {
            name = ReservedPrefix + name;
        }

        return Limit(name);
    }

    /// <summary>
    /// Converts a name to snake_case: letters in lower case, a <c>_</c> where a word starts with a capital letter and
    /// in place of every run of other characters, no <c>_</c> at either end, and a <c>_</c> before a leading digit.
    /// Letters and digits outside ASCII are kept. Returns an empty string when the name has no letter or digit.
    /// </summary>
    public static string SnakeCase(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var builder = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!char.IsLetterOrDigit(c))
            {
                AppendSeparator(builder);
                continue;
            }

            if (char.IsUpper(c) && i > 0 && StartsWord(name, i))
            {
                AppendSeparator(builder);
            }

            builder.Append(char.ToLowerInvariant(c));
        }

        if (builder.Length > 0 && builder[^1] == '_')
        {
            builder.Length--;
        }

        if (builder.Length > 0 && char.IsDigit(builder[0]))
        {
            builder.Insert(0, '_');
        }

        return builder.ToString();
    }

    /// <summary>Quotes an identifier for SQL text, doubling any double quote in it.</summary>
    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    // "orderTotal" starts a word at 'T', and "HTTPStatus" at 'S', the last capital before a lower-case letter.
    private static bool StartsWord(string name, int index)
    {
        var previous = name[index - 1];
        if (char.IsLower(previous) || char.IsDigit(previous))
        {
            return true;
        }

        return char.IsUpper(previous) && index + 1 < name.Length && char.IsLower(name[index + 1]);
    }

    private static void AppendSeparator(StringBuilder builder)
    {
        if (builder.Length > 0 && builder[^1] != '_')
        {
            builder.Append('_');
        }
    }

    // A name without letters or digits, such as "$$$", still gets a stable column of its own.
    private static string SnakeCaseOrHash(string name)
    {
        var snake = SnakeCase(name);
        return snake.Length > 0 ? snake : "_" + HashOf(name);
    }

    /// <summary>Cuts a name longer than 63 UTF-8 bytes to its first characters, a <c>_</c> and a hash of the whole name.</summary>
    private static string Limit(string name)
    {
        if (Encoding.UTF8.GetByteCount(name) <= MaxIdentifierBytes)
        {
            return name;
        }

        var budget = MaxIdentifierBytes - HashHexLength - 1;
        var builder = new StringBuilder(MaxIdentifierBytes);
        var bytes = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            bytes += rune.Utf8SequenceLength;
            if (bytes > budget)
            {
                break;
            }

            builder.Append(rune.ToString());
        }

        return builder.Append('_').Append(HashOf(name)).ToString();
    }

    /// <summary>Returns the first 8 hex digits of the SHA-256 of the name's UTF-8 bytes.</summary>
    private static string HashOf(string name) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(name)))[..HashHexLength];
}
