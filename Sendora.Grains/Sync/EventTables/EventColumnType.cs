namespace Sendora.Grains.Sync.EventTables;

/// <summary>The PostgreSQL type of a property column in an event table.</summary>
public enum EventColumnType
{
    Boolean,
    BigInt,
    Numeric,
    Text,
    Jsonb,
}

/// <summary>Converts <see cref="EventColumnType"/> to and from the type names stored in <c>event_columns.data_type</c>.</summary>
public static class EventColumnTypes
{
    public static string ToSql(EventColumnType type) => type switch
    {
        EventColumnType.Boolean => "boolean",
        EventColumnType.BigInt => "bigint",
        EventColumnType.Numeric => "numeric",
        EventColumnType.Text => "text",
        EventColumnType.Jsonb => "jsonb",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown event column type."),
    };

    public static EventColumnType FromSql(string name) => name switch
    {
        "boolean" => EventColumnType.Boolean,
        "bigint" => EventColumnType.BigInt,
        "numeric" => EventColumnType.Numeric,
        "text" => EventColumnType.Text,
        "jsonb" => EventColumnType.Jsonb,
        _ => throw new InvalidOperationException(
            $"event_columns.data_type '{name}' is not one of boolean, bigint, numeric, text and jsonb: fix or delete that row."),
    };
}
