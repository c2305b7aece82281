using static Sendora.Tests.Audiences.Language.Conditions;

namespace Sendora.Tests.Audiences.Language;

/// <summary>
/// Checks on random timelines that event and funnel conditions report their change instant exactly:
/// the result stays the same at every sampled instant before it and differs at it.
/// </summary>
public sealed class NextChangeTests
{
    public static TheoryData<string> ExactConditions => new()
    {
        """{"event":"A","count":{"at_least":3},"window":{"last":{"days":7}}}""",
        """{"event":"A","count":{"at_most":1},"window":{"last":{"hours":36}}}""",
        """{"event":"A","count":{"exactly":2},"window":{"between_days_ago":[2,5]}}""",
        """{"event":"A","count":{"exactly":0},"window":{"between_days_ago":[1,3]}}""",
        """{"funnel":{"first":{"event":"A"},"then":{"event":"B"},"within":{"hours":12},"window":{"last":{"days":3}}}}""",
        """{"funnel":{"first":{"event":"A"},"without":{"event":"B"},"within":{"days":1}}}""",
        """{"funnel":{"first":{"event":"A"},"without":{"event":"B"},"within":{"hours":6},"window":{"between_days_ago":[1,4]}}}""",
    };

    [Theory]
    [MemberData(nameof(ExactConditions))]
    public void NextChangeAt_RandomTimelines_IsExact(string definition)
    {
        var condition = Parse(definition);
        var random = new Random(definition.Length);

        for (var timeline = 0; timeline < 500; timeline++)
        {
            var facts = new FakeProfileFacts();
            var events = random.Next(7);
            for (var i = 0; i < events; i++)
            {
                facts.WithEvent(random.Next(3) == 0 ? "B" : "A", Day(0) + Hours(random, 20 * 24));
            }

            var now = Day(0) + Hours(random, 25 * 24);
            var evaluation = condition.Evaluate(facts, now);
            var horizon = evaluation.NextChangeAt ?? now.AddDays(60);
            for (var sample = 0; sample < 8; sample++)
            {
                var before = now + ((horizon - now) * random.NextDouble());
                if (before < horizon)
                {
                    Assert.Equal(evaluation.Matches, condition.Evaluate(facts, before).Matches);
                }
            }

            if (evaluation.NextChangeAt is { } next)
            {
                Assert.NotEqual(evaluation.Matches, condition.Evaluate(facts, next).Matches);
                Assert.Equal(evaluation.Matches, condition.Evaluate(facts, next.AddTicks(-1)).Matches);
            }
        }
    }

    private static TimeSpan Hours(Random random, int maxHours) => TimeSpan.FromMinutes(random.Next(maxHours * 4) * 15);
}
