using System.Text;
using System.Text.Json.Nodes;
using Sendora.Grains.Audiences.ComputedTraits;
using Sendora.Grains.Audiences.Language;
using static Sendora.Tests.Audiences.Language.Conditions;

namespace Sendora.Tests.Audiences.Language;

/// <summary>
/// Parses random definitions, built from the language's own keys and values or made by changing one
/// node of a valid definition, and checks that parsing never throws and that whatever parses also
/// evaluates.
/// </summary>
public sealed class ParseRobustnessTests
{
    private static readonly string[] Keys =
    [
        "all", "any", "not", "trait", "property", "event", "type", "where", "count", "window", "funnel", "first",
        "then", "without", "within", "computed_trait", "groups", "audience", "operator", "value", "values", "from",
        "to", "days", "hours", "minutes", "last", "since", "between_days_ago", "at_least", "at_most", "exactly",
        "case_insensitive", "kind",
    ];

    private static readonly string[] Scalars =
    [
        "\"plan\"", "\"equals\"", "\"within_last\"", "\"between\"", "\"one_of\"", "\"page\"", "\"track\"", "\"any\"",
        "\"none\"", "\"2026-01-01T00:00:00Z\"", "\"2026-01-01\"", "\"sum\"", "\"count\"", "\"a.b\"", "\"\"", "0", "1",
        "3", "-1", "7.5", "1e400", "36501", "true", "false", "null",
    ];

    private static readonly FakeProfileFacts Facts = new FakeProfileFacts()
        .WithTraits("""{"plan":"pro","n":2,"a":{"b":"2026-03-01T00:00:00Z"}}""")
        .WithComputedTrait("ltv", "\"2026-02-01T00:00:00Z\"")
        .WithEvent("plan", Day(0), """{"plan":"pro"}""")
        .WithEvent("plan", Day(1), type: "page")
        .WithGroup("""{"plan":"pro"}""");

    private static readonly string[] ValidDefinitions =
    [
        """{"all":[{"trait":"plan","operator":"equals","value":"pro"},{"not":{"audience":"aud"}}]}""",
        """{"any":[{"trait":"a.b","operator":"within_last","days":7},{"trait":"n","operator":"between","from":1,"to":3}]}""",
        """{"event":"plan","count":{"at_least":1,"at_most":3},"window":{"last":{"days":7}},"where":{"property":"plan","operator":"one_of","values":["pro",1]}}""",
        """{"event":"plan","type":"page","window":{"between_days_ago":[1,3]}}""",
        """{"funnel":{"first":{"event":"plan"},"without":{"event":"plan","type":"page"},"within":{"hours":1},"window":{"since":"2026-01-01T00:00:00Z"}}}""",
        """{"groups":"all","where":{"any":[{"trait":"plan","operator":"starts_with","value":"p","case_insensitive":true}]}}""",
        """{"computed_trait":"ltv","operator":"after","value":"2026-01-01T00:00:00Z"}""",
        """{"kind":"sum","event":"plan","property":"plan","window":{"last":{"minutes":30}},"where":{"property":"plan","operator":"exists"}}""",
        """{"kind":"most_frequent","type":"page","property":"plan"}""",
    ];

    [Fact]
    public void Parse_RandomDefinitions_NeverThrow()
    {
        var random = new Random(20260301);
        var valid = 0;

        for (var i = 0; i < 20_000; i++)
        {
            var json = i % 2 == 0 ? RandomValue(random, depth: 0) : Mutate(random);
            var condition = Condition.Parse(json);
            var trait = ComputedTraitDefinition.Parse(json);

            Assert.True(condition.IsValid != (condition.Errors.Count > 0), json);
            Assert.True(trait.IsValid != (trait.Errors.Count > 0), json);
            if (condition.Condition is { } parsed)
            {
                valid++;
                var evaluation = parsed.Evaluate(Facts, Day(2));
                Assert.Equal(evaluation.Matches, parsed.Explain(Facts, Day(2)).Result);
                Assert.True(evaluation.NextChangeAt is null || evaluation.NextChangeAt > Day(2), json);
                AssertStableUntilNextChange(parsed, evaluation, random, json);
            }

            if (trait.Definition is { } definition)
            {
                var state = definition.CreateState();
                foreach (var e in Facts.Events)
                {
                    definition.Apply(state, e, Day(2));
                }

                definition.Value(state, Day(2));
            }
        }

        // Many changed definitions stay valid, so evaluation runs on unusual but valid trees too.
        Assert.True(valid > 1_000, $"only {valid} random definitions were valid");
    }

    /// <summary>Checks that the result stays the same at random later instants before the reported change.</summary>
    private static void AssertStableUntilNextChange(Condition condition, Evaluation evaluation, Random random, string json)
    {
        for (var i = 0; i < 4; i++)
        {
            var later = Day(2) + TimeSpan.FromMinutes(random.Next(1, 20 * 24 * 60));
            if (evaluation.NextChangeAt is { } next && later >= next)
            {
                later = Day(2) + ((next - Day(2)) / 2);
            }

            Assert.True(evaluation.Matches == condition.Evaluate(Facts, later).Matches, $"{json} changed at {later:O}");
        }
    }

    /// <summary>Replaces, removes or wraps one node of a valid definition.</summary>
    private static string Mutate(Random random)
    {
        var root = JsonNode.Parse(ValidDefinitions[random.Next(ValidDefinitions.Length)])!;
        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        var target = nodes[random.Next(nodes.Count)];
        var replacement = random.Next(3) switch
        {
            0 => JsonNode.Parse(Scalars[random.Next(Scalars.Length)]),
            1 => new JsonObject { ["not"] = target.DeepClone() },
            _ => JsonNode.Parse(RandomValue(random, depth: 3)),
        };

        if (target.Parent is null)
        {
            return replacement?.ToJsonString() ?? "null";
        }

        if (target.Parent is JsonObject parent && random.Next(4) == 0)
        {
            parent.Remove(target.GetPropertyName());
        }
        else
        {
            target.ReplaceWith(replacement);
        }

        return root.ToJsonString();
    }

    private static void Collect(JsonNode node, List<JsonNode> nodes)
    {
        nodes.Add(node);
        var children = node switch
        {
            JsonObject obj => obj.Select(pair => pair.Value),
            JsonArray array => array,
            _ => [],
        };
        foreach (var child in children)
        {
            if (child is not null)
            {
                Collect(child, nodes);
            }
        }
    }

    private static string RandomValue(Random random, int depth)
    {
        var roll = random.Next(depth > 4 ? 4 : 10);
        if (roll < 4)
        {
            return Scalars[random.Next(Scalars.Length)];
        }

        var builder = new StringBuilder();
        if (roll < 6)
        {
            builder.Append('[');
            var items = random.Next(3);
            for (var i = 0; i < items; i++)
            {
                builder.Append(i > 0 ? "," : string.Empty).Append(RandomValue(random, depth + 1));
            }

            return builder.Append(']').ToString();
        }

        builder.Append('{');
        var keys = 1 + random.Next(3);
        for (var i = 0; i < keys; i++)
        {
            builder.Append(i > 0 ? "," : string.Empty)
                .Append('"').Append(Keys[random.Next(Keys.Length)]).Append("\":")
                .Append(RandomValue(random, depth + 1));
        }

        return builder.Append('}').ToString();
    }
}
