using Sendora.Grains.Audiences.ComputedTraits;
using static Sendora.Tests.Audiences.Language.Conditions;

namespace Sendora.Tests.Audiences.Language;

public sealed class ComputedTraitWindowTests
{
    private const string Orders = "Order Completed";

    private static TestComputedTrait Windowed(string kind, string property = "total", string window = """{"last":{"days":30}}""")
    {
        var propertyKey = kind == "count" ? string.Empty : $$""","property":"{{property}}" """;
        return TestComputedTrait.Of($$"""{"kind":"{{kind}}","event":"Order Completed"{{propertyKey}},"window":{{window}} }""");
    }

    [Fact]
    public void Sum_LastWindow_DropsExpiredValues()
    {
        var trait = Windowed("sum")
            .With(Orders, Day(0), """{"total":10}""")
            .With(Orders, Day(10), """{"total":20}""")
            .With(Orders, Day(25), """{"total":30}""");

        Assert.Equal("60", trait.ValueAt(Day(26)));
        Assert.Equal(Day(30), trait.Definition.NextChangeAt(trait.State, Day(26)));
        Assert.Equal("50", trait.ValueAt(Day(30)));
        Assert.Equal(Day(40), trait.Definition.NextChangeAt(trait.State, Day(30)));
        Assert.Equal("0", trait.ValueAt(Day(55)));
        Assert.Null(trait.Definition.NextChangeAt(trait.State, Day(55)));
    }

    [Fact]
    public void Count_LastWindow_MatchesConditionWindow()
    {
        var trait = Windowed("count").With(Orders, Day(0)).With(Orders, Day(2)).With(Orders, Day(5));

        Assert.Equal("3", trait.ValueAt(Day(29)));
        Assert.Equal("2", trait.ValueAt(Day(30)));
        Assert.Equal(Day(32), trait.Definition.NextChangeAt(trait.State, Day(30)));
    }

    [Fact]
    public void Apply_EventOutsideWindow_IsSkipped()
    {
        var trait = Windowed("count");
        trait.Now = Day(40);

        Assert.False(trait.Apply(Orders, Day(5)));
        Assert.True(trait.Apply(Orders, Day(20)));
        Assert.Single(trait.State.Entries);
    }

    [Fact]
    public void Apply_LaterNow_DropsExpiredEntries()
    {
        var trait = Windowed("count").With(Orders, Day(0)).With(Orders, Day(1));
        trait.Now = Day(30.5);

        trait.Apply(Orders, Day(30));

        Assert.Equal(2, trait.State.Entries.Count);
        Assert.Equal(Day(1), trait.State.Entries[0].Timestamp);
    }

    [Fact]
    public void Count_BetweenDaysAgo_EntersAndLeaves()
    {
        var trait = Windowed("count", window: """{"between_days_ago":[7,14]}""").With(Orders, Day(0));

        Assert.Equal("0", trait.ValueAt(Day(3)));
        Assert.Equal(Day(7), trait.Definition.NextChangeAt(trait.State, Day(3)));
        Assert.Equal("1", trait.ValueAt(Day(7)));
        Assert.Equal(Day(14), trait.Definition.NextChangeAt(trait.State, Day(7)));
        Assert.Equal("0", trait.ValueAt(Day(14)));
        Assert.Null(trait.Definition.NextChangeAt(trait.State, Day(14)));
    }

    [Fact]
    public void Hours_Window_Expires()
    {
        var trait = Windowed("count", window: """{"last":{"hours":1}}""").With(Orders, Start);

        Assert.Equal("1", trait.ValueAt(Start.AddMinutes(59)));
        Assert.Equal("0", trait.ValueAt(Start.AddHours(1)));
    }

    [Fact]
    public void Kinds_LastWindow_UseOnlyEventsInside()
    {
        var events = new (double Day, string Properties)[]
        {
            (0, """{"total":100,"sku":"old"}"""),
            (5, """{"total":"10","sku":"b"}"""),
            (1, """{"total":1000,"sku":"older"}"""),
            (9, """{"total":30,"sku":"a"}"""),
            (7, """{"total":"x","sku":"b"}"""),
        };
        var expected = new Dictionary<string, string>
        {
            ["count"] = "3",
            ["sum"] = "40",
            ["average"] = "20",
            ["min"] = "10",
            ["max"] = "30",
            ["first"] = "\"b\"",
            ["last"] = "\"a\"",
            ["most_frequent"] = "\"b\"",
            ["unique_list"] = """["b","a"]""",
            ["unique_count"] = "2",
        };

        foreach (var (kind, value) in expected)
        {
            var property = kind is "sum" or "average" or "min" or "max" ? "total" : "sku";
            var trait = Windowed(kind, property, """{"last":{"days":7}}""");
            foreach (var (day, properties) in events)
            {
                trait.Apply(Orders, Day(day), properties);
            }

            Assert.True(value == trait.ValueAt(Day(10)), $"{kind}: expected {value}, got {trait.ValueAt(Day(10))}");
        }
    }

    [Fact]
    public void Average_EmptyWindow_IsNull()
    {
        var trait = Windowed("average").With(Orders, Day(0), """{"total":10}""");

        Assert.Equal("10", trait.ValueAt(Day(1)));
        Assert.Null(trait.ValueAt(Day(31)));
    }

    [Fact]
    public void Entries_Full_DropOldest()
    {
        var trait = Windowed("count");
        trait.Now = Day(1);
        for (var i = 0; i < ComputedTraitLimits.MaxWindowEntries; i++)
        {
            trait.Apply(Orders, Day(0).AddSeconds(i + 1));
        }

        Assert.False(trait.Apply(Orders, Day(0)));
        Assert.True(trait.Apply(Orders, Day(0.5)));
        Assert.Equal(ComputedTraitLimits.MaxWindowEntries, trait.State.Entries.Count);
        Assert.Equal(Day(0).AddSeconds(2), trait.State.Entries[0].Timestamp);
        Assert.Equal("1000", trait.ValueAt(Day(1)));
    }

    [Fact]
    public void Entries_OutOfOrder_StaySorted()
    {
        var trait = Windowed("first", "sku")
            .With(Orders, Day(3), """{"sku":"c"}""")
            .With(Orders, Day(1), """{"sku":"a"}""")
            .With(Orders, Day(2), """{"sku":"b"}""");

        Assert.Equal([Day(1), Day(2), Day(3)], trait.State.Entries.Select(entry => entry.Timestamp));
        Assert.Equal("\"a\"", trait.ValueAt(Day(4)));
        Assert.Equal("\"b\"", trait.ValueAt(Day(31.5)));
    }
}
