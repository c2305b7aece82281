using Sendora.Grains.Sync.EventTables;

namespace Sendora.Tests.Sync;

public sealed class EventTablePlannerTests
{
    private static readonly DateTime At = new(2026, 12, 4, 10, 15, 0, DateTimeKind.Utc);

    private static readonly Dictionary<string, EventTableSchema> NoTables = [];

    [Fact]
    public void Plan_OrderTotals_WidensAndDiscards()
    {
        var events = new[] { "10", "10.5", "\"12\"", "\"N/A\"" }
            .Select((total, i) => Track($"m{i + 1}", "Order", $$"""{"total":{{total}}}"""))
            .ToList();

        var plan = new EventTablePlanner().Plan(NoTables, events);

        var table = Assert.Single(plan.Tables);
        Assert.Equal("track_order", table.Name);
        Assert.True(table.IsNew);
        Assert.Equal([new EventColumn("total", EventColumnType.Numeric, "total")], table.Columns);
        Assert.Equal(["total"], table.AddedColumns);
        Assert.Empty(table.WidenedColumns);
        Assert.Equal(["10", "10.5", "12", null], table.Rows.Select(r => r.Values.GetValueOrDefault("total")));
        Assert.Equal(["m1", "m2", "m3", "m4"], table.Rows.Select(r => r.MessageId));
        var discard = Assert.Single(plan.Discards);
        Assert.Equal(new EventDiscard("m4", "track_order", "total", "N/A", DiscardReasons.TypeMismatch), discard);
    }

    [Fact]
    public void Plan_ExistingBigIntColumn_IsWidened()
    {
        var existing = Tables(new EventTableSchema("track_order", "Order", [new EventColumn("total", EventColumnType.BigInt, "total")]));

        var plan = new EventTablePlanner().Plan(existing, [Track("m2", "Order", """{"total":10.5}""")]);

        var table = Assert.Single(plan.Tables);
        Assert.False(table.IsNew);
        Assert.Empty(table.AddedColumns);
        Assert.Equal(["total"], table.WidenedColumns);
        Assert.Equal(EventColumnType.Numeric, table.Columns.Single().Type);
        Assert.Empty(plan.Discards);
    }

    [Fact]
    public void Plan_TextFirst_KeepsNumbersAsText()
    {
        var plan = new EventTablePlanner().Plan(NoTables,
            [Track("m1", "Order", """{"total":"12"}"""), Track("m2", "Order", """{"total":10.5}""")]);

        var table = Assert.Single(plan.Tables);
        Assert.Equal(EventColumnType.Text, table.Columns.Single().Type);
        Assert.Equal(["12", "10.5"], table.Rows.Select(r => r.Values["total"]));
        Assert.Empty(plan.Discards);
    }

    [Fact]
    public void Plan_NestedValues_FlattenOrJsonb()
    {
        var plan = new EventTablePlanner().Plan(NoTables, [Track("m1", "Cart Viewed",
            """{"cart":{"itemCount":2,"owner":{"isGuest":true}},"skus":["a","b"],"coupon":null,"empty":{}}""")]);

        var table = Assert.Single(plan.Tables);
        Assert.Equal("track_cart_viewed", table.Name);
        Assert.Equal(
            [
                new EventColumn("cart_item_count", EventColumnType.BigInt, "cart.itemCount"),
                new EventColumn("cart_owner_is_guest", EventColumnType.Boolean, "cart.owner.isGuest"),
                new EventColumn("skus", EventColumnType.Jsonb, "skus"),
            ],
            table.Columns);
        var row = Assert.Single(table.Rows);
        Assert.Equal("2", row.Values["cart_item_count"]);
        Assert.Equal("true", row.Values["cart_owner_is_guest"]);
        Assert.Equal("""["a","b"]""", row.Values["skus"]);
    }

    [Fact]
    public void Plan_TwoPropertiesOneColumn_DiscardsSecond()
    {
        var plan = new EventTablePlanner().Plan(NoTables, [Track("m1", "Order", """{"orderId":"a","order_id":"b"}""")]);

        Assert.Equal("a", Assert.Single(plan.Tables).Rows.Single().Values["order_id"]);
        Assert.Equal(new EventDiscard("m1", "track_order", "order_id", "b", DiscardReasons.ColumnConflict), Assert.Single(plan.Discards));
    }

    [Fact]
    public void Plan_ColumnLimitReached_DiscardsNewProperties()
    {
        var plan = new EventTablePlanner(maxPropertyColumns: 2).Plan(NoTables,
            [Track("m1", "Order", """{"a":1,"b":2,"c":3}"""), Track("m2", "Order", """{"a":4,"d":"x"}""")]);

        var table = Assert.Single(plan.Tables);
        Assert.Equal(["a", "b"], table.Columns.Select(c => c.Name));
        Assert.Equal(
            [
                new EventDiscard("m1", "track_order", "c", "3", DiscardReasons.ColumnLimit),
                new EventDiscard("m2", "track_order", "d", "x", DiscardReasons.ColumnLimit),
            ],
            plan.Discards);
        Assert.Equal("4", table.Rows[1].Values["a"]);
    }

    [Fact]
    public void Plan_TableLimitReached_DiscardsNewTables()
    {
        var existing = Tables(new EventTableSchema("track_order", "Order", []));

        var plan = new EventTablePlanner(maxTables: 2).Plan(existing,
            [
                Track("m1", "Signed Up", """{"plan":"pro"}"""),
                Track("m2", "Coupon 123", """{"code":"x"}"""),
                Track("m3", "Order", """{"total":5}"""),
                Track("m4", "Coupon 123", null),
                Track("m5", "Signed Up", "{}"),
            ],
            tableCount: 1);

        Assert.Equal(["track_signed_up", "track_order"], plan.Tables.Select(t => t.Name));
        Assert.Equal(["m1", "m5"], plan.Tables[0].Rows.Select(r => r.MessageId));
        Assert.Equal("5", Assert.Single(plan.Tables[1].Rows).Values["total"]);
        Assert.Equal(
            [
                new EventDiscard("m2", "track_coupon_123", "", """{"code":"x"}""", DiscardReasons.TableLimit),
                new EventDiscard("m4", "track_coupon_123", "", "{}", DiscardReasons.TableLimit),
            ],
            plan.Discards);
    }

    [Fact]
    public void Plan_NoProperties_StillAddsRow()
    {
        var plan = new EventTablePlanner().Plan(NoTables, [Track("m1", "Signed Out", null), Track("m2", "Signed Out", "{}")]);

        var table = Assert.Single(plan.Tables);
        Assert.Empty(table.Columns);
        Assert.Equal(["m1", "m2"], table.Rows.Select(r => r.MessageId));
        Assert.All(table.Rows, r => Assert.Empty(r.Values));
    }

    [Fact]
    public void Plan_SameEventsInChunks_GivesSameColumns()
    {
        var events = new[] { """{"a":1}""", """{"a":"x","b":true}""", """{"a":2.5,"c":[1]}""", """{"b":"false"}""" }
            .Select((properties, i) => Track($"m{i}", "Order", properties))
            .ToList();
        var planner = new EventTablePlanner();
        var whole = planner.Plan(NoTables, events).Tables.Single();

        var existing = NoTables;
        var discards = new List<EventDiscard>();
        foreach (var one in events)
        {
            var plan = planner.Plan(existing, [one]);
            discards.AddRange(plan.Discards);
            var table = plan.Tables.Single();
            existing = Tables(new EventTableSchema(table.Name, table.EventName, [.. table.Columns]));
        }

        Assert.Equal(whole.Columns, existing["track_order"].Columns);
        Assert.Equal(planner.Plan(NoTables, events).Discards, discards);
    }

    private static TrackEventRecord Track(string messageId, string eventName, string? properties) =>
        new(messageId, "p1", eventName, At, properties);

    private static Dictionary<string, EventTableSchema> Tables(params EventTableSchema[] tables) =>
        tables.ToDictionary(t => t.Name, StringComparer.Ordinal);
}
