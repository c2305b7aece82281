using static Sendora.Tests.Audiences.Language.Conditions;

namespace Sendora.Tests.Audiences.Language;

public sealed class TraitOperatorTests
{
    public static TheoryData<string, string, bool> Cases => new()
    {
        // equals: strings are ordinal and case-sensitive unless case_insensitive is set.
        { """{"plan":"pro"}""", """{"trait":"plan","operator":"equals","value":"pro"}""", true },
        { """{"plan":"Pro"}""", """{"trait":"plan","operator":"equals","value":"pro"}""", false },
        { """{"plan":"Pro"}""", """{"trait":"plan","operator":"equals","value":"pro","case_insensitive":true}""", true },
        { """{"plan":"Pro"}""", """{"trait":"plan","operator":"equals","value":"pro","case_insensitive":false}""", false },
        { """{}""", """{"trait":"plan","operator":"equals","value":"pro"}""", false },
        { """{"plan":null}""", """{"trait":"plan","operator":"equals","value":"pro"}""", false },

        // equals: a number condition reads numeric strings as numbers; a string condition matches only strings.
        { """{"age":42}""", """{"trait":"age","operator":"equals","value":42}""", true },
        { """{"age":"42"}""", """{"trait":"age","operator":"equals","value":42}""", true },
        { """{"age":"42.0"}""", """{"trait":"age","operator":"equals","value":42}""", true },
        { """{"age":42.5}""", """{"trait":"age","operator":"equals","value":42}""", false },
        { """{"age":"abc"}""", """{"trait":"age","operator":"equals","value":42}""", false },
        { """{"age":42}""", """{"trait":"age","operator":"equals","value":"42"}""", false },
        { """{"id":12345678901234567891}""", """{"trait":"id","operator":"equals","value":12345678901234567890}""", false },
        { """{"id":12345678901234567890}""", """{"trait":"id","operator":"equals","value":12345678901234567890}""", true },

        // equals: booleans, and the strings "true" and "false".
        { """{"vip":true}""", """{"trait":"vip","operator":"equals","value":true}""", true },
        { """{"vip":false}""", """{"trait":"vip","operator":"equals","value":false}""", true },
        { """{"vip":false}""", """{"trait":"vip","operator":"equals","value":true}""", false },
        { """{"vip":"true"}""", """{"trait":"vip","operator":"equals","value":true}""", true },
        { """{"vip":"True"}""", """{"trait":"vip","operator":"equals","value":true}""", false },
        { """{"vip":1}""", """{"trait":"vip","operator":"equals","value":true}""", false },

        // not_equals: true for any present value that equals rejects, false when missing or null.
        { """{"plan":"free"}""", """{"trait":"plan","operator":"not_equals","value":"pro"}""", true },
        { """{"plan":"pro"}""", """{"trait":"plan","operator":"not_equals","value":"pro"}""", false },
        { """{"plan":"PRO"}""", """{"trait":"plan","operator":"not_equals","value":"pro","case_insensitive":true}""", false },
        { """{}""", """{"trait":"plan","operator":"not_equals","value":"pro"}""", false },
        { """{"plan":null}""", """{"trait":"plan","operator":"not_equals","value":"pro"}""", false },
        { """{"age":"abc"}""", """{"trait":"age","operator":"not_equals","value":42}""", true },
        { """{"age":"42"}""", """{"trait":"age","operator":"not_equals","value":42}""", false },

        // contains: substrings of strings, elements of arrays.
        { """{"email":"ada@example.com"}""", """{"trait":"email","operator":"contains","value":"example"}""", true },
        { """{"email":"ada@EXAMPLE.com"}""", """{"trait":"email","operator":"contains","value":"example"}""", false },
        { """{"email":"ada@EXAMPLE.com"}""", """{"trait":"email","operator":"contains","value":"example","case_insensitive":true}""", true },
        { """{"tags":["vip","beta"]}""", """{"trait":"tags","operator":"contains","value":"vip"}""", true },
        { """{"tags":["vip","beta"]}""", """{"trait":"tags","operator":"contains","value":"vi"}""", false },
        { """{"tags":["VIP"]}""", """{"trait":"tags","operator":"contains","value":"vip","case_insensitive":true}""", true },
        { """{"n":42}""", """{"trait":"n","operator":"contains","value":"4"}""", false },

        // not_contains
        { """{"email":"ada@other.org"}""", """{"trait":"email","operator":"not_contains","value":"example"}""", true },
        { """{"email":"ada@example.com"}""", """{"trait":"email","operator":"not_contains","value":"example"}""", false },
        { """{"tags":["vip"]}""", """{"trait":"tags","operator":"not_contains","value":"vip"}""", false },
        { """{"n":42}""", """{"trait":"n","operator":"not_contains","value":"4"}""", true },
        { """{}""", """{"trait":"email","operator":"not_contains","value":"example"}""", false },

        // starts_with and ends_with
        { """{"name":"Ada Lovelace"}""", """{"trait":"name","operator":"starts_with","value":"Ada"}""", true },
        { """{"name":"ada lovelace"}""", """{"trait":"name","operator":"starts_with","value":"Ada"}""", false },
        { """{"name":"ada lovelace"}""", """{"trait":"name","operator":"starts_with","value":"Ada","case_insensitive":true}""", true },
        { """{"name":42}""", """{"trait":"name","operator":"starts_with","value":"4"}""", false },
        { """{"email":"ada@example.com"}""", """{"trait":"email","operator":"ends_with","value":".com"}""", true },
        { """{"email":"ada@example.COM"}""", """{"trait":"email","operator":"ends_with","value":".com"}""", false },
        { """{"email":"ada@example.COM"}""", """{"trait":"email","operator":"ends_with","value":".com","case_insensitive":true}""", true },

        // exists and not_exists: JSON null counts as missing.
        { """{"plan":"pro"}""", """{"trait":"plan","operator":"exists"}""", true },
        { """{"plan":""}""", """{"trait":"plan","operator":"exists"}""", true },
        { """{"plan":false}""", """{"trait":"plan","operator":"exists"}""", true },
        { """{"plan":null}""", """{"trait":"plan","operator":"exists"}""", false },
        { """{}""", """{"trait":"plan","operator":"exists"}""", false },
        { """{"plan":null}""", """{"trait":"plan","operator":"not_exists"}""", true },
        { """{}""", """{"trait":"plan","operator":"not_exists"}""", true },
        { """{"plan":"pro"}""", """{"trait":"plan","operator":"not_exists"}""", false },

        // Number comparisons read numeric strings and fail on anything else.
        { """{"n":9}""", """{"trait":"n","operator":"less_than","value":10}""", true },
        { """{"n":10}""", """{"trait":"n","operator":"less_than","value":10}""", false },
        { """{"n":"9.5"}""", """{"trait":"n","operator":"less_than","value":10}""", true },
        { """{"n":"abc"}""", """{"trait":"n","operator":"less_than","value":10}""", false },
        { """{"n":true}""", """{"trait":"n","operator":"less_than","value":10}""", false },
        { """{"n":10}""", """{"trait":"n","operator":"at_most","value":10}""", true },
        { """{"n":10.01}""", """{"trait":"n","operator":"at_most","value":10}""", false },
        { """{"n":11}""", """{"trait":"n","operator":"greater_than","value":10}""", true },
        { """{"n":10}""", """{"trait":"n","operator":"greater_than","value":10}""", false },
        { """{"n":" 1e2 "}""", """{"trait":"n","operator":"greater_than","value":10}""", true },
        { """{"n":10}""", """{"trait":"n","operator":"at_least","value":10}""", true },
        { """{"n":9.99}""", """{"trait":"n","operator":"at_least","value":10}""", false },
        { """{"n":-5}""", """{"trait":"n","operator":"at_least","value":-5.5}""", true },
        { """{"n":"NaN"}""", """{"trait":"n","operator":"at_least","value":0}""", false },
        { """{"n":1e400}""", """{"trait":"n","operator":"greater_than","value":0}""", false },

        // between includes both ends, for numbers and for dates.
        { """{"age":18}""", """{"trait":"age","operator":"between","from":18,"to":30}""", true },
        { """{"age":30}""", """{"trait":"age","operator":"between","from":18,"to":30}""", true },
        { """{"age":"25"}""", """{"trait":"age","operator":"between","from":18,"to":30}""", true },
        { """{"age":31}""", """{"trait":"age","operator":"between","from":18,"to":30}""", false },
        { """{"age":"old"}""", """{"trait":"age","operator":"between","from":18,"to":30}""", false },
        { """{"d":"2026-01-15T00:00:00Z"}""", """{"trait":"d","operator":"between","from":"2026-01-01T00:00:00Z","to":"2026-01-31T00:00:00Z"}""", true },
        { """{"d":"2026-01-31T00:00:00Z"}""", """{"trait":"d","operator":"between","from":"2026-01-01T00:00:00Z","to":"2026-01-31T00:00:00Z"}""", true },
        { """{"d":"2026-02-01T00:00:00Z"}""", """{"trait":"d","operator":"between","from":"2026-01-01T00:00:00Z","to":"2026-01-31T00:00:00Z"}""", false },

        // one_of
        { """{"plan":"pro"}""", """{"trait":"plan","operator":"one_of","values":["pro","enterprise"]}""", true },
        { """{"plan":"free"}""", """{"trait":"plan","operator":"one_of","values":["pro","enterprise"]}""", false },
        { """{"plan":"PRO"}""", """{"trait":"plan","operator":"one_of","values":["pro","enterprise"],"case_insensitive":true}""", true },
        { """{"tier":"2"}""", """{"trait":"tier","operator":"one_of","values":[1,2]}""", true },
        { """{"beta":true}""", """{"trait":"beta","operator":"one_of","values":["yes",true]}""", true },
        { """{}""", """{"trait":"plan","operator":"one_of","values":["pro"]}""", false },

        // before and after: zones are honored, a value without a zone is UTC, a date alone is midnight UTC.
        { """{"d":"2026-01-01T00:00:00Z"}""", """{"trait":"d","operator":"before","value":"2026-02-01T00:00:00Z"}""", true },
        { """{"d":"2026-02-01T00:00:00Z"}""", """{"trait":"d","operator":"before","value":"2026-02-01T00:00:00Z"}""", false },
        { """{"d":"2026-02-01T01:00:00+02:00"}""", """{"trait":"d","operator":"before","value":"2026-02-01T00:00:00Z"}""", true },
        { """{"d":"2026-01-31T23:30:00"}""", """{"trait":"d","operator":"before","value":"2026-02-01T00:00:00Z"}""", true },
        { """{"d":"2026-02-01T00:30:00"}""", """{"trait":"d","operator":"before","value":"2026-02-01T01:00:00+01:00"}""", false },
        { """{"d":"2026-01-15"}""", """{"trait":"d","operator":"before","value":"2026-02-01T00:00:00Z"}""", true },
        { """{"d":"2026-03-01T00:00:00.001Z"}""", """{"trait":"d","operator":"after","value":"2026-03-01T00:00:00Z"}""", true },
        { """{"d":"2026-03-01T00:00:00Z"}""", """{"trait":"d","operator":"after","value":"2026-03-01T00:00:00Z"}""", false },
        { """{"d":"yesterday"}""", """{"trait":"d","operator":"before","value":"2026-02-01T00:00:00Z"}""", false },
        { """{"d":"01/15/2026"}""", """{"trait":"d","operator":"before","value":"2026-02-01T00:00:00Z"}""", false },
        { """{"d":1767225600}""", """{"trait":"d","operator":"before","value":"2026-02-01T00:00:00Z"}""", false },

        // Dotted names reach into nested objects; a trait whose whole name matches wins.
        { """{"address":{"city":"Paris"}}""", """{"trait":"address.city","operator":"equals","value":"Paris"}""", true },
        { """{"address":{"geo":{"country":"FR"}}}""", """{"trait":"address.geo.country","operator":"equals","value":"FR"}""", true },
        { """{"address.city":"Lyon","address":{"city":"Paris"}}""", """{"trait":"address.city","operator":"equals","value":"Lyon"}""", true },
        { """{"address":"Paris"}""", """{"trait":"address.city","operator":"exists"}""", false },
        { """{"address":{"city":null}}""", """{"trait":"address.city","operator":"exists"}""", false },
        { """{"address":{"city":null}}""", """{"trait":"address.city","operator":"not_exists"}""", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Trait_Operator_MatchesExpected(string traits, string condition, bool expected)
    {
        var facts = new FakeProfileFacts().WithTraits(traits);

        var result = Evaluate(condition, facts, Start);

        Assert.Equal(expected, result.Matches);
        Assert.Null(result.NextChangeAt);
    }

    [Fact]
    public void NotOfNumberTest_NonNumber_IsTrue()
    {
        var facts = new FakeProfileFacts().WithTraits("""{"n":"abc"}""");

        Assert.False(Matches("""{"trait":"n","operator":"less_than","value":10}""", facts));
        Assert.True(Matches("""{"not":{"trait":"n","operator":"less_than","value":10}}""", facts));
    }

    [Fact]
    public void NotOfEquals_MissingTrait_IsTrue()
    {
        var facts = new FakeProfileFacts();

        Assert.False(Matches("""{"trait":"plan","operator":"not_equals","value":"pro"}""", facts));
        Assert.True(Matches("""{"not":{"trait":"plan","operator":"equals","value":"pro"}}""", facts));
    }

    [Fact]
    public void WithinLast_RecentDate_LeavesAfterDays()
    {
        var facts = new FakeProfileFacts().WithTraits("""{"signed_up_at":"2026-03-01T00:00:00Z"}""");
        const string condition = """{"trait":"signed_up_at","operator":"within_last","days":7}""";

        var inside = Evaluate(condition, facts, Day(3));
        var atEdge = Evaluate(condition, facts, Day(7));
        var justBefore = Evaluate(condition, facts, Day(7).AddTicks(-1));

        Assert.True(inside.Matches);
        Assert.Equal(Day(7), inside.NextChangeAt);
        Assert.True(justBefore.Matches);
        Assert.False(atEdge.Matches);
        Assert.Null(atEdge.NextChangeAt);
    }

    [Fact]
    public void WithinLast_FutureDate_EntersAtDate()
    {
        var facts = new FakeProfileFacts().WithTraits("""{"signed_up_at":"2026-03-05T12:00:00Z"}""");

        var result = Evaluate("""{"trait":"signed_up_at","operator":"within_last","days":7}""", facts, Day(1));

        Assert.False(result.Matches);
        Assert.Equal(Day(4.5), result.NextChangeAt);
    }

    [Fact]
    public void WithinLast_NonDate_IsFalseForever()
    {
        var facts = new FakeProfileFacts().WithTraits("""{"signed_up_at":"soon"}""");

        var result = Evaluate("""{"trait":"signed_up_at","operator":"within_last","days":7}""", facts, Day(1));

        Assert.False(result.Matches);
        Assert.Null(result.NextChangeAt);
    }

    [Fact]
    public void WithinNext_UpcomingDate_LeavesAtDate()
    {
        var facts = new FakeProfileFacts().WithTraits("""{"trial_ends_at":"2026-03-10T00:00:00Z"}""");
        const string condition = """{"trait":"trial_ends_at","operator":"within_next","days":3}""";

        var early = Evaluate(condition, facts, Day(2));
        var inside = Evaluate(condition, facts, Day(8));
        var passed = Evaluate(condition, facts, Day(9));

        Assert.False(early.Matches);
        Assert.Equal(Day(6), early.NextChangeAt);
        Assert.True(inside.Matches);
        Assert.Equal(Day(9), inside.NextChangeAt);
        Assert.False(passed.Matches);
        Assert.Null(passed.NextChangeAt);
    }

    [Fact]
    public void ComputedTrait_Operator_ReadsComputedValue()
    {
        var facts = new FakeProfileFacts()
            .WithComputedTrait("lifetime_value", "250.5")
            .WithTraits("""{"lifetime_value":1}""");

        Assert.True(Matches("""{"computed_trait":"lifetime_value","operator":"greater_than","value":200}""", facts));
        Assert.False(Matches("""{"computed_trait":"lifetime_value","operator":"less_than","value":200}""", facts));
        Assert.False(Matches("""{"computed_trait":"missing","operator":"exists"}""", facts));
        Assert.True(Matches("""{"computed_trait":"missing","operator":"not_exists"}""", facts));
    }

    [Fact]
    public void ComputedTrait_NullValue_CountsAsMissing()
    {
        var facts = new FakeProfileFacts().WithComputedTrait("average_order", "null");

        Assert.False(Matches("""{"computed_trait":"average_order","operator":"exists"}""", facts));
    }

    [Fact]
    public void ComputedTrait_Keys_AreCollected()
    {
        var condition = Parse("""
            {"any":[
              {"computed_trait":"lifetime_value","operator":"greater_than","value":200},
              {"not":{"computed_trait":"orders_30d","operator":"exists"}},
              {"computed_trait":"lifetime_value","operator":"less_than","value":10}
            ]}
            """);

        Assert.Equal(["lifetime_value", "orders_30d"], condition.ComputedTraitKeys.Order());
        Assert.Empty(condition.AudienceIds);
    }
}
