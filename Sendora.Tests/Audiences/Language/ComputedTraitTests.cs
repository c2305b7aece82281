using Sendora.Grains.Audiences.ComputedTraits;
using static Sendora.Tests.Audiences.Language.Conditions;

namespace Sendora.Tests.Audiences.Language;

public sealed class ComputedTraitTests
{
    private const string Orders = "Order Completed";

    [Fact]
    public void Count_MatchingEvents_Counts()
    {
        var trait = TestComputedTrait.Of("""{"kind":"count","event":"Order Completed"}""");

        Assert.Equal("0", trait.Value());
        Assert.True(trait.Apply(Orders, Day(0)));
        Assert.False(trait.Apply("Product Viewed", Day(0)));
        Assert.True(trait.Apply(Orders, Day(1)));
        Assert.Equal("2", trait.Value());
        Assert.Equal("count", trait.Definition.Kind);
    }

    [Fact]
    public void Count_Where_FiltersEvents()
    {
        var trait = TestComputedTrait.Of("""
            {"kind":"count","event":"Order Completed","where":{"property":"total","operator":"greater_than","value":100}}
            """);

        Assert.True(trait.Apply(Orders, Day(0), """{"total":150}"""));
        Assert.False(trait.Apply(Orders, Day(0), """{"total":50}"""));
        Assert.False(trait.Apply(Orders, Day(0)));
        Assert.Equal("1", trait.Value());
    }

    [Fact]
    public void Count_PageViews_MatchAnyName()
    {
        var trait = TestComputedTrait.Of("""{"kind":"count","type":"page"}""");

        Assert.True(trait.Apply("Pricing", Day(0), type: "page"));
        Assert.True(trait.Apply(string.Empty, Day(0), type: "page"));
        Assert.False(trait.Apply("Pricing", Day(0)));
        Assert.Equal("2", trait.Value());
    }

    [Fact]
    public void Sum_NumericStrings_CountAsNumbers()
    {
        var trait = TestComputedTrait.Of("""{"kind":"sum","event":"Order Completed","property":"total"}""");

        Assert.Equal("0", trait.Value());
        Assert.True(trait.Apply(Orders, Day(0), """{"total":10}"""));
        Assert.True(trait.Apply(Orders, Day(1), """{"total":"20.5"}"""));
        Assert.False(trait.Apply(Orders, Day(2), """{"total":"abc"}"""));
        Assert.False(trait.Apply(Orders, Day(3), """{"total":null}"""));
        Assert.False(trait.Apply(Orders, Day(4)));
        Assert.Equal("30.5", trait.Value());
    }

    [Fact]
    public void Sum_DecimalValues_AddExactly()
    {
        var trait = TestComputedTrait.Of("""{"kind":"sum","event":"Order Completed","property":"total"}""")
            .With(Orders, Day(0), """{"total":0.1}""")
            .With(Orders, Day(0), """{"total":0.2}""")
            .With(Orders, Day(0), """{"total":12.50}""");

        Assert.Equal("12.8", trait.Value());
    }

    [Fact]
    public void Sum_NestedProperty_ReadsDottedPath()
    {
        var trait = TestComputedTrait.Of("""{"kind":"sum","event":"Order Completed","property":"price.amount"}""")
            .With(Orders, Day(0), """{"price":{"amount":5}}""")
            .With(Orders, Day(0), """{"price":{"amount":7}}""");

        Assert.Equal("12", trait.Value());
    }

    [Fact]
    public void Average_OfValues_Divides()
    {
        var trait = TestComputedTrait.Of("""{"kind":"average","event":"Order Completed","property":"total"}""");

        Assert.Null(trait.Value());
        trait.Apply(Orders, Day(0), """{"total":10}""");
        trait.Apply(Orders, Day(1), """{"total":"25"}""");
        trait.Apply(Orders, Day(2), """{"total":"n/a"}""");
        Assert.Equal("17.5", trait.Value());
    }

    [Fact]
    public void Min_KeepsSmallest()
    {
        var trait = TestComputedTrait.Of("""{"kind":"min","event":"Order Completed","property":"total"}""");

        Assert.Null(trait.Value());
        Assert.True(trait.Apply(Orders, Day(0), """{"total":10}"""));
        Assert.False(trait.Apply(Orders, Day(1), """{"total":12}"""));
        Assert.True(trait.Apply(Orders, Day(2), """{"total":"-3.5"}"""));
        Assert.False(trait.Apply(Orders, Day(3), """{"total":"abc"}"""));
        Assert.Equal("-3.5", trait.Value());
    }

    [Fact]
    public void Max_KeepsLargest()
    {
        var trait = TestComputedTrait.Of("""{"kind":"max","event":"Order Completed","property":"total"}""");

        Assert.Null(trait.Value());
        Assert.True(trait.Apply(Orders, Day(0), """{"total":10}"""));
        Assert.False(trait.Apply(Orders, Day(1), """{"total":10}"""));
        Assert.True(trait.Apply(Orders, Day(2), """{"total":"99"}"""));
        Assert.Equal("99", trait.Value());
    }

    [Fact]
    public void MostFrequent_PicksCommonValue()
    {
        var trait = TestComputedTrait.Of("""{"kind":"most_frequent","event":"Product Viewed","property":"category"}""");

        Assert.Null(trait.Value());
        foreach (var category in new[] { "shoes", "hats", "shoes", "bags" })
        {
            trait.Apply("Product Viewed", Day(0), $$"""{"category":"{{category}}"}""");
        }

        Assert.Equal("\"shoes\"", trait.Value());
    }

    [Fact]
    public void MostFrequent_Tie_PicksOrdinalFirst()
    {
        var trait = TestComputedTrait.Of("""{"kind":"most_frequent","event":"Product Viewed","property":"category"}""")
            .With("Product Viewed", Day(0), """{"category":"shoes"}""")
            .With("Product Viewed", Day(0), """{"category":"bags"}""");

        Assert.Equal("\"bags\"", trait.Value());
    }

    [Fact]
    public void MostFrequent_SkipsObjects()
    {
        var trait = TestComputedTrait.Of("""{"kind":"most_frequent","event":"Product Viewed","property":"category"}""");

        Assert.False(trait.Apply("Product Viewed", Day(0), """{"category":{"name":"shoes"}}"""));
        Assert.True(trait.Apply("Product Viewed", Day(0), """{"category":7}"""));
        Assert.Equal("7", trait.Value());
    }

    [Fact]
    public void MostFrequent_Full_KeepsHeavyHitter()
    {
        var trait = TestComputedTrait.Of("""{"kind":"most_frequent","event":"Product Viewed","property":"sku"}""");
        for (var i = 0; i < 500; i++)
        {
            trait.Apply("Product Viewed", Day(0), $$"""{"sku":"rare-{{i}}"}""");
            trait.Apply("Product Viewed", Day(0), """{"sku":"popular"}""");
        }

        Assert.Equal("\"popular\"", trait.Value());
        Assert.Equal(ComputedTraitLimits.MaxFrequencies, trait.State.Frequencies.Count);
    }

    [Fact]
    public void First_OutOfOrder_GoesByTimestamp()
    {
        var trait = TestComputedTrait.Of("""{"kind":"first","event":"Order Completed","property":"sku"}""");

        Assert.Null(trait.Value());
        Assert.True(trait.Apply(Orders, Day(5), """{"sku":"b"}"""));
        Assert.True(trait.Apply(Orders, Day(1), """{"sku":"a"}"""));
        Assert.False(trait.Apply(Orders, Day(3), """{"sku":"c"}"""));
        Assert.False(trait.Apply(Orders, Day(1), """{"sku":"tie"}"""));
        Assert.Equal("\"a\"", trait.Value());
    }

    [Fact]
    public void Last_OutOfOrder_GoesByTimestamp()
    {
        var trait = TestComputedTrait.Of("""{"kind":"last","event":"Order Completed","property":"sku"}""");

        Assert.Null(trait.Value());
        Assert.True(trait.Apply(Orders, Day(5), """{"sku":"b"}"""));
        Assert.False(trait.Apply(Orders, Day(1), """{"sku":"a"}"""));
        Assert.True(trait.Apply(Orders, Day(9), """{"sku":"c"}"""));
        Assert.True(trait.Apply(Orders, Day(9), """{"sku":"tie"}"""));
        Assert.Equal("\"tie\"", trait.Value());
    }

    [Fact]
    public void Last_KeepsObjectValues()
    {
        var trait = TestComputedTrait.Of("""{"kind":"last","event":"Order Completed","property":"address"}""")
            .With(Orders, Day(0), """{"address":{"city":"Paris","zip":"75001"}}""");

        Assert.Equal("""{"city":"Paris","zip":"75001"}""", trait.Value());
    }

    [Fact]
    public void UniqueList_KeepsFirstSeenOrder()
    {
        var trait = TestComputedTrait.Of("""{"kind":"unique_list","event":"Product Viewed","property":"category"}""");

        Assert.Equal("[]", trait.Value());
        Assert.True(trait.Apply("Product Viewed", Day(0), """{"category":"shoes"}"""));
        Assert.True(trait.Apply("Product Viewed", Day(0), """{"category":"hats"}"""));
        Assert.False(trait.Apply("Product Viewed", Day(0), """{"category":"shoes"}"""));
        Assert.True(trait.Apply("Product Viewed", Day(0), """{"category":1}"""));
        Assert.True(trait.Apply("Product Viewed", Day(0), """{"category":"1"}"""));
        Assert.False(trait.Apply("Product Viewed", Day(0), """{"category":["x"]}"""));
        Assert.Equal("""["shoes","hats",1,"1"]""", trait.Value());
    }

    [Fact]
    public void UniqueList_Full_IgnoresNewValues()
    {
        var trait = TestComputedTrait.Of("""{"kind":"unique_list","event":"Product Viewed","property":"sku"}""");
        for (var i = 0; i < ComputedTraitLimits.MaxUniqueValues; i++)
        {
            Assert.True(trait.Apply("Product Viewed", Day(0), $$"""{"sku":"s{{i}}"}"""));
        }

        Assert.False(trait.Apply("Product Viewed", Day(0), """{"sku":"one too many"}"""));
        Assert.Equal(ComputedTraitLimits.MaxUniqueValues, trait.State.UniqueValues.Count);
    }

    [Fact]
    public void UniqueList_LongValue_IsSkipped()
    {
        var trait = TestComputedTrait.Of("""{"kind":"unique_list","event":"Product Viewed","property":"sku"}""");
        var longValue = new string('x', ComputedTraitLimits.MaxValueLength);

        Assert.False(trait.Apply("Product Viewed", Day(0), $$"""{"sku":"{{longValue}}"}"""));
        Assert.Equal("[]", trait.Value());
    }

    [Fact]
    public void UniqueCount_CountsDistinctValues()
    {
        var trait = TestComputedTrait.Of("""{"kind":"unique_count","event":"Product Viewed","property":"sku"}""");

        Assert.Equal("0", trait.Value());
        trait.Apply("Product Viewed", Day(0), """{"sku":"a"}""");
        trait.Apply("Product Viewed", Day(0), """{"sku":"b"}""");
        trait.Apply("Product Viewed", Day(0), """{"sku":"a"}""");
        trait.Apply("Product Viewed", Day(0), """{"sku":"\u0061"}""");
        Assert.Equal("2", trait.Value());
    }

    [Fact]
    public void UniqueCount_Full_StopsCounting()
    {
        var trait = TestComputedTrait.Of("""{"kind":"unique_count","event":"Product Viewed","property":"sku"}""");
        for (var i = 0; i < ComputedTraitLimits.MaxUniqueCount + 50; i++)
        {
            trait.Apply("Product Viewed", Day(0), $$"""{"sku":{{i}}}""");
        }

        Assert.Equal("1000", trait.Value());
    }

    [Fact]
    public void Since_SkipsEarlierEvents()
    {
        var trait = TestComputedTrait.Of("""
            {"kind":"sum","event":"Order Completed","property":"total","window":{"since":"2026-03-02T00:00:00Z"}}
            """);

        Assert.False(trait.Apply(Orders, Day(0), """{"total":5}"""));
        Assert.True(trait.Apply(Orders, Day(1), """{"total":7}"""));
        Assert.Equal("7", trait.Value());
        Assert.Null(trait.Definition.NextChangeAt(trait.State, Day(1)));
    }

    [Fact]
    public void Unwindowed_HasNoNextChange()
    {
        var trait = TestComputedTrait.Of("""{"kind":"count","event":"Order Completed"}""").With(Orders, Day(0));

        Assert.Null(trait.Definition.NextChangeAt(trait.State, Day(1)));
    }
}
