namespace Sendora.Grains.Sync.EventTables;

/// <summary>The values of <c>discards.reason</c>: why a property value was left out of its event table.</summary>
public static class DiscardReasons
{
    /// <summary>The value cannot be coerced to the type of its column, such as "N/A" for a numeric column.</summary>
    public const string TypeMismatch = "type_mismatch";

    /// <summary>The property would add a column to a table that already has the maximum number of property columns.</summary>
    public const string ColumnLimit = "column_limit";

    /// <summary>An earlier property of the same event already maps to the column, such as <c>orderId</c> and <c>order_id</c>.</summary>
    public const string ColumnConflict = "column_conflict";

    /// <summary>
    /// The event would create a table in a schema that already has the maximum number of event tables. The row of
    /// <c>discards</c> names the table the event was meant for, an empty column and the whole properties object.
    /// </summary>
    public const string TableLimit = "table_limit";

    /// <summary>The number has more digits before or after the decimal point than a numeric column takes.</summary>
    public const string NumberOutOfRange = "number_out_of_range";
}
