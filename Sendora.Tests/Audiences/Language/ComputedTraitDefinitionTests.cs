using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Sendora.Grains.Audiences.ComputedTraits;
using static Sendora.Tests.Audiences.Language.Conditions;

namespace Sendora.Tests.Audiences.Language;

public sealed class ComputedTraitDefinitionTests
{
    public static TheoryData<string, string, string> InvalidCases => new()
    {
        // definition, path of the error, a phrase the message must contain
        { """{"kind":"sum","event":"Order Completed"}""", "$.property", "'property' is missing" },
        { """{"kind":"count","event":"Order Completed","property":"total"}""", "$.property", "count takes no 'property'" },
        { """{"kind":"median","event":"Order Completed","property":"total"}""", "$.kind", "Unknown kind \"median\"" },
        { """{"kind":3,"event":"Order Completed"}""", "$.kind", "'kind' must be a string" },
        { """{"event":"Order Completed"}""", "$.kind", "'kind' is missing" },
        { """{"kind":"count"}""", "$.event", "track event needs its name" },
        { """{"kind":"count","event":"Order Completed","type":"group"}""", "$.type", "\"track\", \"page\" or \"screen\"" },
        { """{"kind":"sum","event":"Order Completed","property":""}""", "$.property", "'property' must be a property name" },
        { """{"kind":"sum","event":"Order Completed","property":"a..b"}""", "$.property", "single dots" },
        { """{"kind":"count","event":"Order Completed","window":{"last":{"days":0}}}""", "$.window.last.days", "whole number from 1" },
        { """{"kind":"count","event":"Order Completed","window":{"between_days_ago":[3,1]}}""", "$.window.between_days_ago", "less than the second" },
        { """{"kind":"count","event":"Order Completed","limit":10}""", "$.limit", "Unknown key 'limit' in a computed trait" },
        { """{"kind":"count","event":"Order Completed","where":{"property":"at","operator":"within_last","days":3}}""", "$.where.operator", "not allowed in a computed trait's where" },
        { """{"kind":"count","event":"Order Completed","where":{"trait":"plan","operator":"exists"}}""", "$.where", "'property', not 'trait'" },
        { """["count"]""", "$", "must be a JSON object" },
        { """{"kind":"count",""", "$", "not valid JSON" },
    };

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Parse_InvalidDefinition_ReportsPath(string definition, string path, string phrase)
    {
        var result = ComputedTraitDefinition.Parse(definition);

        Assert.Null(result.Definition);
        var error = Assert.Single(result.Errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(phrase, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EveryKind_IsAccepted()
    {
        string[] kinds = ["count", "sum", "average", "min", "max", "most_frequent", "first", "last", "unique_list", "unique_count"];

        foreach (var kind in kinds)
        {
            var property = kind == "count" ? string.Empty : ""","property":"p" """;
            var result = ComputedTraitDefinition.Parse($$"""{"kind":"{{kind}}","event":"E"{{property}} }""");

            Assert.True(result.IsValid, kind + ": " + string.Join("; ", result.Errors));
            Assert.Equal(kind, result.Definition!.Kind);
        }
    }

    [Fact]
    public void Fingerprint_FollowsDefinition()
    {
        var sum = ComputedTraitDefinition.Parse("""{"kind":"sum","event":"Order Completed","property":"total"}""").Definition!;
        var sameSum = ComputedTraitDefinition.Parse("""{ "kind": "sum", "event": "Order Completed", "property": "total" }""").Definition!;
        var otherProperty = ComputedTraitDefinition.Parse("""{"kind":"sum","event":"Order Completed","property":"tax"}""").Definition!;

        Assert.Equal(sum.Fingerprint, sameSum.Fingerprint);
        Assert.NotEqual(sum.Fingerprint, otherProperty.Fingerprint);
        Assert.True(sameSum.Owns(sum.CreateState()));
        Assert.False(otherProperty.Owns(sum.CreateState()));
    }

    [Fact]
    public void Apply_ForeignState_Throws()
    {
        var sum = ComputedTraitDefinition.Parse("""{"kind":"sum","event":"Order Completed","property":"total"}""").Definition!;
        var count = ComputedTraitDefinition.Parse("""{"kind":"count","event":"Order Completed"}""").Definition!;
        var state = count.CreateState();

        Assert.Throws<ArgumentException>(() => sum.Value(state, Start));
        Assert.Throws<ArgumentException>(() => sum.Merge(sum.CreateState(), state));
    }

    [Fact]
    public void State_RoundTripsThroughOrleans()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var windowed = TestComputedTrait.Of("""{"kind":"last","event":"Order Completed","property":"sku","window":{"last":{"days":7}}}""")
            .With("Order Completed", Day(0), """{"sku":"a"}""");
        var frequent = TestComputedTrait.Of("""{"kind":"most_frequent","event":"Order Completed","property":"sku"}""")
            .With("Order Completed", Day(0), """{"sku":"a"}""");
        var unique = TestComputedTrait.Of("""{"kind":"unique_count","event":"Order Completed","property":"sku"}""")
            .With("Order Completed", Day(0), """{"sku":"a"}""")
            .With("Order Completed", Day(0), """{"sku":"b"}""");

        foreach (var trait in new[] { windowed, frequent, unique })
        {
            var copy = serializer.Deserialize<ComputedTraitState>(serializer.SerializeToArray(trait.State));
            Assert.NotNull(copy);

            Assert.True(trait.Definition.Owns(copy));
            Assert.Equal(trait.Value(), trait.Definition.Value(copy, trait.Now)?.GetRawText());
        }
    }
}
