using System.Text;
using System.Text.Json;
using Sendora.Grains.Audiences.Language;
using static Sendora.Tests.Audiences.Language.Conditions;

namespace Sendora.Tests.Audiences.Language;

public sealed class ParseErrorTests
{
    public static TheoryData<string, string, string> InvalidCases => new()
    {
        // definition, path of the error, a phrase the message must contain
        { """{"all":[{"trait":"a","operator":"exists"},{"trait":"b","operator":"exists"},{"trait":"plan","operator":"is","value":"pro"}]}""", "$.all[2].operator", "Unknown operator \"is\"" },
        { """{"trait":"plan","operator":"equal","value":"pro"}""", "$.operator", "equals, not_equals" },
        { """{"trait":"plan","operator":7}""", "$.operator", "'operator' must be a string, not the number 7" },
        { """{"trait":"plan","value":"pro"}""", "$.operator", "'operator' is missing" },
        { """{"trait":"plan","operator":"exists","value":"pro"}""", "$.value", "Unknown key 'value'" },
        { """{"trait":"n","operator":"less_than","value":1,"case_insensitive":true}""", "$.case_insensitive", "Unknown key 'case_insensitive'" },
        { """{"trait":"plan","operator":"equals","value":"pro","case_insensitive":"yes"}""", "$.case_insensitive", "true or false" },
        { """{"trait":"plan","operator":"equals"}""", "$.value", "'value' is missing" },
        { """{"trait":"plan","operator":"equals","value":null}""", "$.value", "not_exists" },
        { """{"trait":"plan","operator":"equals","value":["pro"]}""", "$.value", "string, number or boolean" },
        { """{"trait":"plan","operator":"contains","value":5}""", "$.value", "must be a string" },
        { """{"trait":"n","operator":"greater_than","value":"5"}""", "$.value", "must be a number" },
        { """{"trait":"n","operator":"between","from":10,"to":5}""", "$", "'from' (10) is greater than 'to' (5)" },
        { """{"trait":"n","operator":"between","from":1}""", "$.to", "'to' is missing" },
        { """{"trait":"d","operator":"between","from":"2026-02-01T00:00:00Z","to":"2026-01-01T00:00:00Z"}""", "$", "is after 'to'" },
        { """{"trait":"d","operator":"between","from":"2026-01-01T00:00:00Z","to":5}""", "$", "both be numbers or both be ISO-8601 dates" },
        { """{"trait":"plan","operator":"one_of","values":[]}""", "$.values", "an array of 1 to 1,000" },
        { """{"trait":"plan","operator":"one_of","values":"pro"}""", "$.values", "an array of 1 to 1,000" },
        { """{"trait":"plan","operator":"one_of","values":["pro",{"a":1}]}""", "$.values[1]", "not an object" },
        { """{"trait":"d","operator":"before","value":"2026-13-01T00:00:00Z"}""", "$.value", "ISO-8601 date with a zone" },
        { """{"trait":"d","operator":"before","value":"next week"}""", "$.value", "ISO-8601 date with a zone" },
        { """{"trait":"d","operator":"after","value":"2026-01-01T00:00:00"}""", "$.value", "has no zone" },
        { """{"trait":"d","operator":"after","value":"2026-01-01"}""", "$.value", "has no zone" },
        { """{"trait":"d","operator":"within_last","days":0}""", "$.days", "whole number from 1 to 36,500" },
        { """{"trait":"d","operator":"within_last","days":-3}""", "$.days", "not the number -3" },
        { """{"trait":"d","operator":"within_last","days":1.5}""", "$.days", "whole number" },
        { """{"trait":"","operator":"exists"}""", "$.trait", "non-empty string" },
        { """{"trait":5,"operator":"exists"}""", "$.trait", "non-empty string" },
        { """{"trait":"address..city","operator":"exists"}""", "$.trait", "single dots" },
        { """{"trait":"plan","trait":"tier","operator":"exists"}""", "$.trait", "appears more than once" },
        { """{"all":[]}""", "$.all", "non-empty array" },
        { """{"any":{"trait":"plan","operator":"exists"}}""", "$.any", "non-empty array" },
        { """{"not":[{"trait":"plan","operator":"exists"}]}""", "$.not", "must be a JSON object" },
        { """{"all":[{"trait":"plan","operator":"exists"}],"any":[]}""", "$", "both 'all' and 'any'" },
        { """{"trait":"plan","event":"Signed Up","operator":"exists"}""", "$", "both 'trait' and 'event'" },
        { """{"plan":"pro"}""", "$", "needs one of the keys" },
        { """{"property":"total","operator":"exists"}""", "$", "'property' names event properties" },
        { """["trait"]""", "$", "must be a JSON object" },
        { """42""", "$", "not the number 42" },
        { """{"event":"Order Completed","count":{"at_least":"3"}}""", "$.count.at_least", "not the string \"3\"" },
        { """{"event":"Order Completed","count":{"at_least":-1}}""", "$.count.at_least", "whole number from 0" },
        { """{"event":"Order Completed","count":{"at_least":2.5}}""", "$.count.at_least", "whole number from 0 to 2,147,483,647, not the number 2.5" },
        { """{"event":"Order Completed","count":3}""", "$.count", "must be an object" },
        { """{"event":"Order Completed","count":{}}""", "$.count", "needs at_least, at_most or exactly" },
        { """{"event":"Order Completed","count":{"exactly":1,"at_least":1}}""", "$.count", "cannot be combined" },
        { """{"event":"Order Completed","count":{"at_least":3,"at_most":2}}""", "$.count", "no count can match" },
        { """{"event":"Order Completed","count":{"more_than":2}}""", "$.count.more_than", "Unknown key 'more_than'" },
        { """{"event":"Order Completed","window":{"last":{"days":-1}}}""", "$.window.last.days", "whole number from 1" },
        { """{"event":"Order Completed","window":{"last":{"days":"7"}}}""", "$.window.last.days", "not the string \"7\"" },
        { """{"event":"Order Completed","window":{"last":{"weeks":1}}}""", "$.window.last.weeks", "Unknown key 'weeks'" },
        { """{"event":"Order Completed","window":{"last":{"days":1,"hours":2}}}""", "$.window.last", "exactly one of minutes, hours or days" },
        { """{"event":"Order Completed","window":{"last":{"days":36501}}}""", "$.window.last.days", "36,500" },
        { """{"event":"Order Completed","window":{"last":{"minutes":52560001}}}""", "$.window.last.minutes", "52,560,000" },
        { """{"event":"Order Completed","window":{}}""", "$.window", "exactly one of last, between_days_ago or since" },
        { """{"event":"Order Completed","window":{"last":{"days":7},"since":"2026-01-01T00:00:00Z"}}""", "$.window", "exactly one of" },
        { """{"event":"Order Completed","window":{"between_days_ago":[14,7]}}""", "$.window.between_days_ago", "must be less than the second" },
        { """{"event":"Order Completed","window":{"between_days_ago":[7,7]}}""", "$.window.between_days_ago", "must be less than the second" },
        { """{"event":"Order Completed","window":{"between_days_ago":[7]}}""", "$.window.between_days_ago", "array of two whole numbers" },
        { """{"event":"Order Completed","window":{"between_days_ago":[-1,7]}}""", "$.window.between_days_ago[0]", "whole number from 0" },
        { """{"event":"Order Completed","window":{"since":"2026-01-01"}}""", "$.window.since", "has no zone" },
        { """{"event":"Order Completed","window":{"since":"2026-02-30T00:00:00Z"}}""", "$.window.since", "ISO-8601" },
        { """{"event":"Order Completed","type":"identify"}""", "$.type", "\"track\", \"page\" or \"screen\"" },
        { """{"event":""}""", "$.event", "track event needs its name" },
        { """{"type":"track"}""", "$.event", "track event needs its name" },
        { """{"event":42}""", "$.event", "event name as a string" },
        { """{"event":"Order Completed","where":{"trait":"total","operator":"exists"}}""", "$.where", "'property', not 'trait'" },
        { """{"event":"Order Completed","where":{"property":"total","operator":"bigger","value":1}}""", "$.where.operator", "Unknown operator" },
        { """{"event":"Order Completed","where":{"event":"Other"}}""", "$.where", "all, any, not, property" },
        { """{"event":"Order Completed","frequency":3}""", "$.frequency", "Unknown key 'frequency' in an event condition" },
        { """{"funnel":{"first":{"event":"A"},"then":{"event":"B"}}}""", "$.funnel.within", "'within' is missing" },
        { """{"funnel":{"then":{"event":"B"},"within":{"hours":1}}}""", "$.funnel.first", "'first' is missing" },
        { """{"funnel":{"first":{"event":"A"},"within":{"hours":1}}}""", "$.funnel", "exactly one of 'then'" },
        { """{"funnel":{"first":{"event":"A"},"then":{"event":"B"},"without":{"event":"C"},"within":{"hours":1}}}""", "$.funnel", "exactly one of 'then'" },
        { """{"funnel":{"first":{"event":"A","count":{"at_least":2}},"then":{"event":"B"},"within":{"hours":1}}}""", "$.funnel.first.count", "Unknown key 'count' in a funnel step" },
        { """{"funnel":{"first":{"event":"A"},"then":{"event":"B","window":{"last":{"days":1}}},"within":{"hours":1}}}""", "$.funnel.then.window", "A window belongs on the funnel" },
        { """{"funnel":{"first":{"event":"A"},"then":"B","within":{"hours":1}}}""", "$.funnel.then", "must be an event" },
        { """{"funnel":{"first":{"event":"A"},"then":{"event":"B"},"within":{"hours":0}}}""", "$.funnel.within.hours", "whole number from 1" },
        { """{"funnel":{"first":{"event":"A"},"then":{"event":"B"},"within":{"hours":1},"window":{"last":{"days":0}}}}""", "$.funnel.window.last.days", "whole number from 1" },
        { """{"funnel":[]}""", "$.funnel", "must be an object" },
        { """{"groups":"some","where":{"trait":"plan","operator":"exists"}}""", "$.groups", "\"any\", \"all\" or \"none\"" },
        { """{"groups":"any","where":{"property":"plan","operator":"exists"}}""", "$.where", "all, any, not, trait" },
        { """{"groups":"any","where":{"audience":"aud_vip"}}""", "$.where", "needs one of the keys" },
        { """{"audience":""}""", "$.audience", "non-empty string" },
        { """{"audience":"aud_vip","member":true}""", "$.member", "Unknown key 'member'" },
        { """{"computed_trait":"","operator":"exists"}""", "$.computed_trait", "non-empty string" },
        { """{"computed_trait":"ltv","operator":"greater_than","value":"100"}""", "$.value", "must be a number" },
    };

    [Theory]
    [InlineData("""{"trait":"d","operator":"within_last","days":7.0}""")]
    [InlineData("""{"event":"Order Completed","count":{"at_least":3.0,"at_most":3e1}}""")]
    [InlineData("""{"event":"Order Completed","window":{"last":{"days":7.00}}}""")]
    [InlineData("""{"event":"Order Completed","window":{"between_days_ago":[0.0,1.4e1]}}""")]
    public void Parse_ZeroFraction_IsWholeNumber(string definition)
    {
        Assert.NotNull(Parse(definition));
    }

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Parse_InvalidDefinition_ReportsPath(string definition, string path, string phrase)
    {
        var errors = Errors(definition);

        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        Assert.Contains(phrase, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralErrors_ReportsEach()
    {
        var errors = Errors("""
            {"all":[
              {"trait":"plan","operator":"is","value":"pro"},
              {"event":"Order Completed","count":{"at_least":"3"}},
              {"groups":"some"}]}
            """);

        Assert.Equal(["$.all[0].operator", "$.all[1].count.at_least", "$.all[2].groups"], errors.Select(e => e.Path));
    }

    [Fact]
    public void Parse_OddKeyName_QuotesPath()
    {
        var errors = Errors("""{"event":"A","where":{"all":[{"property":"x","operator":"exists","bad key":1}]}}""");

        Assert.Equal("$.where.all[0]['bad key']", Assert.Single(errors).Path);
    }

    [Fact]
    public void Parse_InvalidJson_ReportsRoot()
    {
        var errors = Errors("""{"trait":"plan",""");

        var error = Assert.Single(errors);
        Assert.Equal("$", error.Path);
        Assert.StartsWith("The definition is not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UndefinedElement_ReportsRoot()
    {
        var result = Condition.Parse(default(JsonElement));

        Assert.Null(result.Condition);
        Assert.Equal("$", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Parse_TwoThousandNodes_RejectedAtLimit()
    {
        var parts = Enumerable.Range(0, 2_000).Select(i => $$"""{"trait":"t{{i}}","operator":"exists"}""");
        var definition = """{"any":[""" + string.Join(",", parts) + "]}";

        var error = Assert.Single(Errors(definition));

        Assert.Equal("$", error.Path);
        Assert.Contains("more than 1,000 condition objects", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ThousandNodes_IsAccepted()
    {
        var parts = Enumerable.Range(0, 999).Select(i => $$"""{"trait":"t{{i}}","operator":"exists"}""");
        var definition = """{"any":[""" + string.Join(",", parts) + "]}";

        Assert.True(Condition.Parse(definition).IsValid);
    }

    [Fact]
    public void Parse_DeepNesting_RejectedAtLimit()
    {
        var definition = Nest(40);

        var error = Assert.Single(Errors(definition));

        Assert.Equal("$" + string.Concat(Enumerable.Repeat(".not", 32)), error.Path);
        Assert.Contains("more than 32 levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DepthAtLimit_IsAccepted()
    {
        Assert.True(Condition.Parse(Nest(31)).IsValid);
        Assert.False(Condition.Parse(Nest(32)).IsValid);
    }

    [Fact]
    public void Parse_JsonDeeperThanReader_IsInvalidJson()
    {
        var error = Assert.Single(Errors(Nest(200)));

        Assert.Equal("$", error.Path);
        Assert.StartsWith("The definition is not valid JSON", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DeepWhere_CountsEveryLevel()
    {
        var where = new StringBuilder();
        for (var i = 0; i < 31; i++)
        {
            where.Append("""{"not":""");
        }

        where.Append("""{"property":"total","operator":"exists"}""").Append('}', 31);
        var definition = $$"""{"event":"A","where":{{where}} }""";

        var error = Assert.Single(Errors(definition));

        Assert.Equal("$.where" + string.Concat(Enumerable.Repeat(".not", 31)), error.Path);
    }

    /// <summary>Builds <paramref name="nots"/> nested nots around one trait condition.</summary>
    private static string Nest(int nots)
    {
        var builder = new StringBuilder();
        for (var i = 0; i < nots; i++)
        {
            builder.Append("""{"not":""");
        }

        builder.Append("""{"trait":"plan","operator":"exists"}""");
        builder.Append('}', nots);
        return builder.ToString();
    }
}
