using Sendora.Grains.Audiences.ComputedTraits;
using static Sendora.Tests.Audiences.Language.Conditions;

namespace Sendora.Tests.Audiences.Language;

public sealed class ComputedTraitMergeTests
{
    private const string Orders = "Order Completed";

    /// <summary>Feeds two profiles the same definition and merges the second into the first.</summary>
    private static string? Merged(string definition, Action<TestComputedTrait> survivor, Action<TestComputedTrait> absorbed, DateTimeOffset? at = null)
    {
        var left = TestComputedTrait.Of(definition);
        var right = TestComputedTrait.Of(definition);
        survivor(left);
        absorbed(right);

        left.Definition.Merge(left.State, right.State);

        return left.ValueAt(at ?? Day(10));
    }

    [Fact]
    public void Merge_Count_Adds()
    {
        var value = Merged(
            """{"kind":"count","event":"Order Completed"}""",
            left => left.With(Orders, Day(0)).With(Orders, Day(1)),
            right => right.With(Orders, Day(2)));

        Assert.Equal("3", value);
    }

    [Fact]
    public void Merge_SumAndAverage_Add()
    {
        var sum = Merged(
            """{"kind":"sum","event":"Order Completed","property":"total"}""",
            left => left.With(Orders, Day(0), """{"total":10}"""),
            right => right.With(Orders, Day(1), """{"total":5}""").With(Orders, Day(1), """{"total":15}"""));
        var average = Merged(
            """{"kind":"average","event":"Order Completed","property":"total"}""",
            left => left.With(Orders, Day(0), """{"total":10}"""),
            right => right.With(Orders, Day(1), """{"total":5}""").With(Orders, Day(1), """{"total":15}"""));
        var emptyAverage = Merged(
            """{"kind":"average","event":"Order Completed","property":"total"}""",
            left => { },
            right => right.With(Orders, Day(1), """{"total":8}"""));

        Assert.Equal("30", sum);
        Assert.Equal("10", average);
        Assert.Equal("8", emptyAverage);
    }

    [Fact]
    public void Merge_MinAndMax_Combine()
    {
        var min = Merged(
            """{"kind":"min","event":"Order Completed","property":"total"}""",
            left => left.With(Orders, Day(0), """{"total":10}"""),
            right => right.With(Orders, Day(1), """{"total":4}"""));
        var max = Merged(
            """{"kind":"max","event":"Order Completed","property":"total"}""",
            left => left.With(Orders, Day(0), """{"total":10}"""),
            right => right.With(Orders, Day(1), """{"total":4}"""));
        var maxFromEmpty = Merged(
            """{"kind":"max","event":"Order Completed","property":"total"}""",
            left => left.With(Orders, Day(0), """{"total":10}"""),
            right => { });

        Assert.Equal("4", min);
        Assert.Equal("10", max);
        Assert.Equal("10", maxFromEmpty);
    }

    [Fact]
    public void Merge_FirstAndLast_GoByTimestamp()
    {
        var first = Merged(
            """{"kind":"first","event":"Order Completed","property":"sku"}""",
            left => left.With(Orders, Day(3), """{"sku":"left"}"""),
            right => right.With(Orders, Day(1), """{"sku":"right"}"""));
        var last = Merged(
            """{"kind":"last","event":"Order Completed","property":"sku"}""",
            left => left.With(Orders, Day(3), """{"sku":"left"}"""),
            right => right.With(Orders, Day(1), """{"sku":"right"}"""));

        Assert.Equal("\"right\"", first);
        Assert.Equal("\"left\"", last);
    }

    [Fact]
    public void Merge_UniqueList_Unions()
    {
        var value = Merged(
            """{"kind":"unique_list","event":"Product Viewed","property":"sku"}""",
            left => left.With("Product Viewed", Day(0), """{"sku":"a"}""").With("Product Viewed", Day(0), """{"sku":"b"}"""),
            right => right.With("Product Viewed", Day(0), """{"sku":"b"}""").With("Product Viewed", Day(0), """{"sku":"c"}"""));

        Assert.Equal("""["a","b","c"]""", value);
    }

    [Fact]
    public void Merge_UniqueCount_Unions()
    {
        var value = Merged(
            """{"kind":"unique_count","event":"Product Viewed","property":"sku"}""",
            left => left.With("Product Viewed", Day(0), """{"sku":"a"}""").With("Product Viewed", Day(0), """{"sku":"b"}"""),
            right => right.With("Product Viewed", Day(0), """{"sku":"b"}""").With("Product Viewed", Day(0), """{"sku":"c"}"""));

        Assert.Equal("3", value);
    }

    [Fact]
    public void Merge_MostFrequent_AddsCounts()
    {
        var value = Merged(
            """{"kind":"most_frequent","event":"Product Viewed","property":"sku"}""",
            left => left.With("Product Viewed", Day(0), """{"sku":"a"}""").With("Product Viewed", Day(0), """{"sku":"a"}""")
                .With("Product Viewed", Day(0), """{"sku":"b"}"""),
            right => right.With("Product Viewed", Day(0), """{"sku":"b"}""").With("Product Viewed", Day(0), """{"sku":"b"}"""));

        Assert.Equal("\"b\"", value);
    }

    [Fact]
    public void Merge_MostFrequent_StaysBounded()
    {
        var left = TestComputedTrait.Of("""{"kind":"most_frequent","event":"Product Viewed","property":"sku"}""");
        var right = TestComputedTrait.Of("""{"kind":"most_frequent","event":"Product Viewed","property":"sku"}""");
        for (var i = 0; i < ComputedTraitLimits.MaxFrequencies; i++)
        {
            left.Apply("Product Viewed", Day(0), $$"""{"sku":"left-{{i}}"}""");
            right.Apply("Product Viewed", Day(0), $$"""{"sku":"right-{{i}}"}""");
        }

        right.Apply("Product Viewed", Day(0), """{"sku":"right-7"}""");
        left.Definition.Merge(left.State, right.State);

        Assert.Equal(ComputedTraitLimits.MaxFrequencies, left.State.Frequencies.Count);
        Assert.Equal("\"right-7\"", left.Value());
    }

    [Fact]
    public void Merge_Windowed_CombinesEntries()
    {
        const string definition = """{"kind":"sum","event":"Order Completed","property":"total","window":{"last":{"days":7}}}""";
        var left = TestComputedTrait.Of(definition).With(Orders, Day(0), """{"total":1}""").With(Orders, Day(4), """{"total":2}""");
        var right = TestComputedTrait.Of(definition).With(Orders, Day(2), """{"total":10}""");

        left.Definition.Merge(left.State, right.State);

        Assert.Equal([Day(0), Day(2), Day(4)], left.State.Entries.Select(entry => entry.Timestamp));
        Assert.Equal("13", left.ValueAt(Day(5)));
        Assert.Equal("12", left.ValueAt(Day(7)));
        Assert.Equal(Day(9), left.Definition.NextChangeAt(left.State, Day(7)));
    }

    [Fact]
    public void Merge_Windowed_StaysBounded()
    {
        const string definition = """{"kind":"count","event":"Order Completed","window":{"last":{"days":7}}}""";
        var left = TestComputedTrait.Of(definition);
        var right = TestComputedTrait.Of(definition);
        for (var i = 0; i < ComputedTraitLimits.MaxWindowEntries; i++)
        {
            left.Apply(Orders, Day(0).AddMinutes(2 * i));
            right.Apply(Orders, Day(0).AddMinutes((2 * i) + 1));
        }

        left.Definition.Merge(left.State, right.State);

        Assert.Equal(ComputedTraitLimits.MaxWindowEntries, left.State.Entries.Count);
        Assert.Equal(Day(0).AddMinutes(1_000), left.State.Entries[0].Timestamp);
    }
}
