using System.Text.Json;
using Sendora.Grains.Journeys;
using static Sendora.Tests.Journeys.Language.Journeys;

namespace Sendora.Tests.Journeys.Language;

public sealed class JourneyParseErrorTests
{
    private const string Condition = """{"all":[{"trait":"a","operator":"exists"},{"trait":"b","operator":"exists"},{"trait":"plan","operator":"is","value":"pro"}]}""";

    public static TheoryData<string, string, string> InvalidCases => new()
    {
        // definition, path of the error, a phrase of the message that names the field and what it accepts
        { """{"trigger":{"audience_entered":"a"},"steps":[{"id":"done","type":"exit"}]}""", "$.name", "The key 'name' is missing. A journey needs a name: a string of 1 to 256 characters" },
        { Journey().Replace("\"Test journey\"", "\"" + new string('n', 257) + "\""), "$.name", "'name' must be a string of 1 to 256 characters, such as \"Welcome series\", not 257 characters" },
        { Journey().Replace("\"Test journey\"", "\" \""), "$.name", "'name' must be a string of 1 to 256 characters" },
        { Journey().Replace("Test journey", string.Concat(Enumerable.Repeat("😀", 257)), StringComparison.Ordinal), "$.name", "not 257 characters" },
        { Journey(extra: "\"version\":2"), "$.version", "Unknown key 'version' in a journey. Allowed keys: name, trigger, entry, exit, goal, timezone, start, steps" },
        { """{"name":"a","steps":[{"id":"done","type":"exit"}]}""", "$.trigger", "The key 'trigger' is missing" },
        { Journey(trigger: "\"trial-users\""), "$.trigger", "'trigger' must be an object such as {\"audience_entered\": \"trial-users\"}" },
        { Journey(trigger: """{"audience_entered":"a","event":"b"}"""), "$.trigger", "'trigger' takes exactly one of audience_entered, audience_exited or event, but this one has 'audience_entered' and 'event'" },
        { Journey(trigger: "{}"), "$.trigger", "'trigger' needs one of audience_entered, audience_exited or event" },
        { Journey(trigger: """{"audience_entered":""}"""), "$.trigger.audience_entered", "'audience_entered' must be the id of an audience as a non-empty string" },
        { Journey(trigger: """{"event":"A","type":"identify"}"""), "$.trigger.type", "'type' must be \"track\", \"page\" or \"screen\"" },
        { Journey(trigger: """{"event":"A","where":{"property":"total","operator":"bigger","value":1}}"""), "$.trigger.where.operator", "Unknown operator" },
        { Journey(trigger: """{"type":"track"}"""), "$.trigger.event", "A track event needs its name in 'event'" },
        { Journey(extra: "\"entry\":{\"once\":false}"), "$.entry.once", "'once' must be true, not false" },
        { Journey(extra: "\"entry\":{\"once\":true,\"cooldown\":{\"days\":1}}"), "$.entry", "'entry' takes exactly one of once, cooldown or every_time" },
        { Journey(extra: "\"entry\":{}"), "$.entry", "'entry' needs one of once, cooldown or every_time" },
        { Journey(extra: "\"entry\":\"once\""), "$.entry", "'entry' must be an object such as {\"once\": true}" },
        { Journey(extra: "\"entry\":{\"cooldown\":{\"days\":0}}"), "$.entry.cooldown.days", "'days' must be a whole number from 1 to 365, not the number 0" },
        { Journey(extra: "\"entry\":{\"cooldown\":{\"seconds\":31536001}}"), "$.entry.cooldown.seconds", "'seconds' must be a whole number from 1 to 31,536,000" },
        { Journey(extra: "\"entry\":{\"every_time\":{\"key\":5}}"), "$.entry.every_time.key", "'key' must be the name of a property of the trigger event as a non-empty string, not the number 5" },
        { Journey(extra: "\"entry\":{\"every_time\":true}"), "$.entry.every_time", "'every_time' must be an object such as {\"key\": \"orderId\"}" },
        { Journey(extra: "\"exit\":{\"event\":\"A\"}"), "$.exit", "'exit' must be an array of up to 20 rules" },
        { Journey(extra: "\"exit\":[" + string.Join(",", Enumerable.Repeat("""{"event":"A"}""", 21)) + "]"), "$.exit", "'exit' has 21 rules, over the limit of 20" },
        { Journey(extra: "\"exit\":[{\"event\":\"A\",\"audience_entered\":\"a\"}]"), "$.exit[0].audience_entered", "Unknown key 'audience_entered' in an exit rule. Allowed keys: audience_exited, event, type, where" },
        { Journey(extra: "\"exit\":[\"Unsubscribed\"]"), "$.exit[0]", "An exit rule must be an object such as {\"event\": \"Unsubscribed\"}" },
        { Journey(extra: "\"goal\":{\"event\":\"A\"}"), "$.goal.within", "The key 'within' is missing. A goal needs the time a run has to convert after entry, from 1 second to 365 days" },
        { Journey(extra: "\"goal\":{\"event\":\"A\",\"within\":{\"days\":366}}"), "$.goal.within.days", "'days' must be a whole number from 1 to 365" },
        { Journey(extra: "\"timezone\":\"Mars/Olympus\""), "$.timezone", "'timezone' must be an IANA time zone id, such as \"Europe/Berlin\" or \"UTC\", not the string \"Mars/Olympus\"" },
        { Journey(extra: "\"timezone\":1"), "$.timezone", "'timezone' must be an IANA time zone id" },
        { Journey(extra: "\"timezone\":\"Europe\""), "$.timezone", "'timezone' must be an IANA time zone id" },
        { Journey(extra: "\"start\":7"), "$.start", "'start' must be the id of a step of this journey as a string, not the number 7" },
        { """{"name":"a","trigger":{"audience_entered":"a"}}""", "$.steps", "The key 'steps' is missing. A journey needs an array of 1 to 200 steps" },
        { Journey(steps: ""), "$.steps", "'steps' must be an array of 1 to 200 steps, not an empty array" },
        { Journey(steps: "\"exit\""), "$.steps[0]", "Each step must be an object with 'id' and 'type'" },
        { Journey("""{"type":"exit"}"""), "$.steps[0].id", "The key 'id' is missing. Each step needs an id of 1 to 64 characters of lowercase letters, digits, '_' and '-'" },
        { Journey("""{"id":"Welcome","type":"exit"}"""), "$.steps[0].id", "'id' must be 1 to 64 characters of lowercase letters, digits, '_' and '-', starting with a letter or digit, not the string \"Welcome\"" },
        { Journey("""{"id":"-a","type":"exit"}"""), "$.steps[0].id", "starting with a letter or digit" },
        { Journey($$"""{"id":"{{new string('a', 65)}}","type":"exit"}"""), "$.steps[0].id", "'id' must be 1 to 64 characters" },
        { Journey("""{"id":"a","type":"exit"},{"id":"a","type":"exit"}"""), "$.steps[1].id", "The step id \"a\" is already used by $.steps[0]" },
        { Journey("""{"id":"a"}"""), "$.steps[0].type", "The key 'type' is missing. Each step needs a type, one of: delay, wait_until, time_window, branch, random_split, send_email, send_push, send_webhook, update_trait, exit" },
        { Journey("""{"id":"a","type":"sleep"}"""), "$.steps[0].type", "'type' must be one of delay, wait_until, time_window, branch, random_split, send_email, send_push, send_webhook, update_trait, exit, not the string \"sleep\"" },
        { Journey("""{"id":"a","type":"delay","duration":{"days":1},"template":"x"}"""), "$.steps[0].template", "Unknown key 'template' in a delay step. Allowed keys: id, type, duration, next" },
        { Journey("""{"id":"a","type":"delay"}"""), "$.steps[0].duration", "The key 'duration' is missing. A delay step needs the time it waits, from 1 second to 365 days" },
        { Journey("""{"id":"a","type":"delay","duration":{"days":1,"hours":2}}"""), "$.steps[0].duration", "'duration' must name exactly one of seconds, minutes, hours or days" },
        { Journey("""{"id":"a","type":"delay","duration":{"weeks":1}}"""), "$.steps[0].duration.weeks", "Unknown key 'weeks' in 'duration'. Allowed keys: seconds, minutes, hours, days" },
        { Journey("""{"id":"a","type":"delay","duration":{"hours":1.5}}"""), "$.steps[0].duration.hours", "'hours' must be a whole number from 1 to 8,760, not the number 1.5" },
        { Journey("""{"id":"a","type":"delay","duration":{"days":365.5}}"""), "$.steps[0].duration.days", "'days' must be a whole number from 1 to 365, not the number 365.5" },
        { Journey("""{"id":"a","type":"delay","duration":{"days":1.00000000000000000000000000001}}"""), "$.steps[0].duration.days", "'days' must be a whole number from 1 to 365, not the number 1.00000000000000000000000000001" },
        { Journey("""{"id":"a","type":"delay","duration":{"hours":15e-1}}"""), "$.steps[0].duration.hours", "not the number 15e-1" },
        { Journey("""{"id":"a","type":"delay","duration":{"days":1e400}}"""), "$.steps[0].duration.days", "not the number 1e400" },
        { Journey("""{"id":"a","type":"delay","duration":{"minutes":525601}}"""), "$.steps[0].duration.minutes", "'minutes' must be a whole number from 1 to 525,600" },
        { Journey("""{"id":"a","type":"delay","duration":7}"""), "$.steps[0].duration", "'duration' must be an object such as {\"days\": 7}" },
        { Journey("""{"id":"a","type":"delay","duration":{"days":1},"next":5}"""), "$.steps[0].next", "'next' must be the id of a step of this journey as a string, not the number 5" },
        { Journey("""{"id":"a","type":"wait_until","timeout":{"days":1}}"""), "$.steps[0]", "A wait_until step needs exactly one of 'event'" },
        { Journey("""{"id":"a","type":"wait_until","event":{"event":"A"},"condition":{"audience":"b"},"timeout":{"days":1}}"""), "$.steps[0]", "A wait_until step needs exactly one of 'event'" },
        { Journey("""{"id":"a","type":"wait_until","event":{"event":"A"}}"""), "$.steps[0].timeout", "The key 'timeout' is missing. A wait_until step needs the longest time it waits, from 1 second to 365 days" },
        { Journey("""{"id":"a","type":"wait_until","event":"A","timeout":{"days":1}}"""), "$.steps[0].event", "'event' must be an object such as {\"event\": \"Order Completed\"" },
        { Journey("""{"id":"a","type":"wait_until","event":{"event":"A","count":{"at_least":2}},"timeout":{"days":1}}"""), "$.steps[0].event.count", "Unknown key 'count' in the 'event' of a wait_until step. Allowed keys: event, type, where" },
        { Journey("""{"id":"a","type":"wait_until","event":{"event":"A","where":{"property":"total","operator":"bigger","value":1}},"timeout":{"days":1}}"""), "$.steps[0].event.where.operator", "Unknown operator" },
        { Journey($$$"""{"id":"a","type":"wait_until","condition":{{{Condition}}},"timeout":{"days":1}}"""), "$.steps[0].condition.all[2].operator", "Unknown operator \"is\"" },
        { Journey("""{"id":"a","type":"time_window","from":"09:00","to":"09:00"}"""), "$.steps[0]", "'from' and 'to' are both 09:00, so the window never opens" },
        { Journey("""{"id":"a","type":"time_window","from":"9am","to":"17:00"}"""), "$.steps[0].from", "'from' must be a time of day as HH:mm, from \"00:00\" to \"23:59\", such as \"09:00\", not the string \"9am\"" },
        { Journey("""{"id":"a","type":"time_window","from":"09:00","to":"24:00"}"""), "$.steps[0].to", "'to' must be a time of day as HH:mm" },
        { Journey("""{"id":"a","type":"time_window","from":"09:00"}"""), "$.steps[0].to", "The key 'to' is missing. A time_window step needs 'to': a time of day as HH:mm" },
        { Journey("""{"id":"a","type":"time_window","days":["mon","monday"],"from":"09:00","to":"17:00"}"""), "$.steps[0].days[1]", "Each day must be one of mon, tue, wed, thu, fri, sat, sun, not the string \"monday\"" },
        { Journey("""{"id":"a","type":"time_window","days":["mon","mon"],"from":"09:00","to":"17:00"}"""), "$.steps[0].days[1]", "The day \"mon\" appears more than once" },
        { Journey("""{"id":"a","type":"time_window","days":[],"from":"09:00","to":"17:00"}"""), "$.steps[0].days", "'days' must be a non-empty array of days from mon, tue, wed, thu, fri, sat, sun, not an empty array" },
        { Journey("""{"id":"a","type":"branch"}"""), "$.steps[0].branches", "The key 'branches' is missing. A branch step needs an array of 1 to 20 branches" },
        { Journey("""{"id":"a","type":"branch","branches":[]}"""), "$.steps[0].branches", "'branches' must be an array of 1 to 20 branches, not an empty array" },
        { Journey("""{"id":"a","type":"branch","branches":[""" + string.Join(",", Enumerable.Repeat("""{"condition":{"audience":"b"}}""", 21)) + "]}"), "$.steps[0].branches", "'branches' has 21 branches, over the limit of 20" },
        { Journey("""{"id":"a","type":"branch","branches":[{}]}"""), "$.steps[0].branches[0].condition", "The key 'condition' is missing. A branch needs the audience condition" },
        { Journey($$$"""{"id":"a","type":"branch","branches":[{"condition":{"audience":"b"}},{"condition":{{{Condition}}}}]}"""), "$.steps[0].branches[1].condition.all[2].operator", "Unknown operator \"is\"" },
        { Journey("""{"id":"a","type":"branch","branches":[{"condition":{"audience":"b"},"then":"x"}]}"""), "$.steps[0].branches[0].then", "Unknown key 'then' in a branch. Allowed keys: condition, next" },
        { Journey("""{"id":"a","type":"random_split"}"""), "$.steps[0].paths", "The key 'paths' is missing. A random_split step needs an array of 1 to 10 paths" },
        { Journey("""{"id":"a","type":"random_split","paths":[""" + string.Join(",", Enumerable.Repeat("""{"percent":9}""", 10)) + """,{"percent":10}]}"""), "$.steps[0].paths", "'paths' has 11 paths, over the limit of 10" },
        { Journey("""{"id":"a","type":"random_split","paths":[{"percent":0},{"percent":100}]}"""), "$.steps[0].paths[0].percent", "'percent' must be a whole number from 1 to 100, not the number 0" },
        { Journey("""{"id":"a","type":"random_split","paths":[{"percent":50},{"percent":40}]}"""), "$.steps[0].paths", "The percents of 'paths' add up to 90, but must add up to exactly 100" },
        { Journey("""{"id":"a","type":"random_split","paths":[{}]}"""), "$.steps[0].paths[0].percent", "The key 'percent' is missing. A split path needs the percent of profiles that take it, a whole number from 1 to 100" },
        { Journey("""{"id":"a","type":"send_email","template":"t","subject":"Hi","text":"x"}"""), "$.steps[0]", "A send_email step takes either 'template' or inline content ('subject' with 'html', 'text' or both), not both" },
        { Journey("""{"id":"a","type":"send_email"}"""), "$.steps[0]", "A send_email step needs 'template' (the id of a template) or inline content: 'subject' with 'html', 'text' or both" },
        { Journey("""{"id":"a","type":"send_email","subject":"Hi"}"""), "$.steps[0]", "An email without a template needs a body: 'subject' with 'html', 'text' or both" },
        { Journey("""{"id":"a","type":"send_email","text":"Hi"}"""), "$.steps[0].subject", "The key 'subject' is missing. An email without a template needs 'subject' with 'html', 'text' or both" },
        { Journey("""{"id":"a","type":"send_email","subject":"{{ broken","text":"x"}"""), "$.steps[0].subject", "'subject' must be a non-empty Liquid template string, but it is invalid: " },
        { Journey("""{"id":"a","type":"send_email","subject":"Hi","html":"{% if %}"}"""), "$.steps[0].html", "'html' must be a non-empty Liquid template string, but it is invalid: " },
        { Journey("""{"id":"a","type":"send_email","subject":"Hi","text":""}"""), "$.steps[0].text", "'text' must be a non-empty Liquid template string, not the string \"\"" },
        { Journey("""{"id":"a","type":"send_email","template":"t","to":"{{ traits.email"}"""), "$.steps[0].to", "'to' must be a non-empty Liquid template string, but it is invalid: " },
        { Journey("""{"id":"a","type":"send_email","template":"Welcome Email"}"""), "$.steps[0].template", "'template' must be the id of a template, 1 to 64 characters of lowercase letters, digits, '_' and '-'" },
        { Journey("""{"id":"a","type":"send_email","template":"t","transactional":"yes"}"""), "$.steps[0].transactional", "'transactional' must be true or false, not the string \"yes\"" },
        { Journey("""{"id":"a","type":"send_push","title":"Hi"}"""), "$.steps[0].body", "The key 'body' is missing. A push notification without a template needs 'title' and 'body'" },
        { Journey("""{"id":"a","type":"send_push","template":"t","body":"Hi"}"""), "$.steps[0]", "A send_push step takes either 'template' or inline content ('title' and 'body'), not both" },
        { Journey("""{"id":"a","type":"send_push","template":"t","data":{"count":3}}"""), "$.steps[0].data.count", "Each value of 'data' must be a string, not the number 3" },
        { Journey("""{"id":"a","type":"send_push","template":"t","data":["a"]}"""), "$.steps[0].data", "'data' must be an object of names and string values" },
        { Journey("""{"id":"a","type":"send_push","title":"{{ x","body":"y"}"""), "$.steps[0].title", "'title' must be a non-empty Liquid template string, but it is invalid: " },
        { Journey("""{"id":"a","type":"send_webhook"}"""), "$.steps[0].url", "The key 'url' is missing. A send_webhook step needs the address it posts to: an absolute http or https URL" },
        { Journey("""{"id":"a","type":"send_webhook","url":"ftp://example.test/x"}"""), "$.steps[0].url", "'url' must be an absolute http or https URL, such as \"https://example.com/hooks/sendora\", not the string \"ftp://example.test/x\"" },
        { Journey("""{"id":"a","type":"send_webhook","url":"/hooks/sendora"}"""), "$.steps[0].url", "'url' must be an absolute http or https URL" },
        { Journey("""{"id":"a","type":"send_webhook","url":"https://example.test/x","headers":{""" + string.Join(",", Enumerable.Range(0, 21).Select(i => $"\"X-{i}\":\"v\"")) + "}}"), "$.steps[0].headers", "'headers' has 21 entries, over the limit of 20" },
        { Journey("""{"id":"a","type":"send_webhook","url":"https://example.test/x","headers":{"X A":"v"}}"""), "$.steps[0].headers['X A']", "\"X A\" is not a valid HTTP header name" },
        { Journey("""{"id":"a","type":"send_webhook","url":"https://example.test/x","headers":{"X-A":"a\r\nB: c"}}"""), "$.steps[0].headers['X-A']", "The value of header 'X-A' contains a line break" },
        { Journey("""{"id":"a","type":"send_webhook","url":"https://example.test/x","headers":{"sendora-signature":"v"}}"""), "$.steps[0].headers['sendora-signature']", "The header 'sendora-signature' is set by Sendora on every webhook" },
        { Journey("""{"id":"a","type":"send_webhook","url":"https://example.test/x","headers":{"Host":"internal.example"}}"""), "$.steps[0].headers.Host", "The header 'Host' is set by Sendora on every webhook" },
        { Journey("""{"id":"a","type":"send_webhook","url":"https://example.test/x","headers":{"transfer-encoding":"chunked"}}"""), "$.steps[0].headers['transfer-encoding']", "The header 'transfer-encoding' is set by Sendora on every webhook" },
        { Journey("""{"id":"a","type":"send_webhook","url":"https://example.test/x","body":"{{ x"}"""), "$.steps[0].body", "'body' must be a non-empty Liquid template string, but it is invalid: " },
        { Journey("""{"id":"a","type":"send_webhook","url":"https://example.test/x","signing_secret":""}"""), "$.steps[0].signing_secret", "'signing_secret' must be a non-empty string" },
        { Journey("""{"id":"a","type":"update_trait"}"""), "$.steps[0].traits", "The key 'traits' is missing. An update_trait step needs the traits it sets: an object of 1 to 100 trait names and values" },
        { Journey("""{"id":"a","type":"update_trait","traits":{}}"""), "$.steps[0].traits", "'traits' must be an object of 1 to 100 trait names and values, such as {\"onboarded\": true}, not an empty object" },
        { Journey("""{"id":"a","type":"update_trait","traits":{""" + string.Join(",", Enumerable.Range(0, 101).Select(i => $"\"t{i}\":1")) + "}}"), "$.steps[0].traits", "'traits' has 101 traits, over the limit of 100" },
        { Journey("""{"id":"a","type":"update_trait","traits":{"":1}}"""), "$.steps[0].traits", "A trait name in 'traits' is empty" },
        { Journey("""{"id":"a","type":"update_trait","traits":{"plan":"pro","plan":"free"}}"""), "$.steps[0].traits.plan", "The trait 'plan' appears more than once" },
        { Journey("""{"id":"a","type":"exit","next":"a"}"""), "$.steps[0].next", "Unknown key 'next' in an exit step. Allowed keys: id, type" },
        { """{"name":"a",""", "$", "The definition is not valid JSON" },
        { "[1]", "$", "A journey must be a JSON object with 'name', 'trigger' and 'steps', not an array" },
    };

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Parse_InvalidDefinition_ReportsPathAndLimit(string definition, string path, string phrase)
    {
        var error = Assert.Single(Errors(definition));

        Assert.Equal(path, error.Path);
        Assert.Contains(phrase, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OverSizeLimit_ReportsSize()
    {
        var padding = new string('x', JourneyLimits.MaxDefinitionBytes);
        var definition = Journey($$"""{"id":"a","type":"send_email","subject":"Hi","text":"{{padding}}"}""");

        var error = Assert.Single(Errors(definition));

        Assert.Equal("$", error.Path);
        var bytes = System.Text.Encoding.UTF8.GetByteCount(definition);
        Assert.Contains($"The definition is {bytes:N0} bytes of JSON, over the limit of 262,144 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_LargeElement_ReportsSize()
    {
        var padding = new string('x', JourneyLimits.MaxDefinitionBytes);
        using var document = JsonDocument.Parse(Journey($$"""{"id":"a","type":"send_email","subject":"Hi","text":"{{padding}}"}"""));

        var result = JourneyDefinition.Parse(document.RootElement);

        Assert.Contains("over the limit of 262,144 bytes", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_UndefinedElement_ReportsRoot()
    {
        var result = JourneyDefinition.Parse(default(JsonElement));

        Assert.Null(result.Definition);
        Assert.Equal("$", Assert.Single(result.Errors).Path);
    }

    [Fact]
    public void Parse_TwoHundredSteps_IsAccepted()
    {
        Assert.Equal(200, Parse(Journey(Chain(200))).Steps.Count);
    }

    [Fact]
    public void Parse_TooManySteps_ReportsLimit()
    {
        var error = Assert.Single(Errors(Journey(Chain(201))));

        Assert.Equal("$.steps", error.Path);
        Assert.Contains("'steps' has 201 steps, over the limit of 200", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeveralErrors_ReportsEach()
    {
        var errors = Errors($$$"""
            {
              "name": "",
              "trigger": {"audience_entered": "a"},
              "timezone": "Nowhere/Town",
              "steps": [
                {"id": "wait", "type": "delay", "duration": {"days": 400}, "next": "check"},
                {"id": "check", "type": "branch", "branches": [{"condition": {{{Condition}}}, "next": "mail"}]},
                {"id": "mail", "type": "send_email", "subject": "{{ broken", "next": "gone"}
              ]
            }
            """);

        Assert.Equal(
            [
                "$.name",
                "$.timezone",
                "$.steps[0].duration.days",
                "$.steps[1].branches[0].condition.all[2].operator",
                "$.steps[2].subject",
                "$.steps[2]",
                "$.steps[2].next",
            ],
            errors.Select(e => e.Path));
    }

    [Fact]
    public void Parse_ErrorInEveryPart_ReportsAllParts()
    {
        var errors = Errors(Journey(
            """{"id":"a","type":"random_split","paths":[{"percent":101,"next":"b"},{"percent":"half"}]},{"id":"b","type":"exit"}""",
            trigger: """{"event":"A","where":{"property":"x","operator":"nope"}}""",
            extra: "\"entry\":{\"cooldown\":{\"hours\":0}},\"goal\":{\"event\":\"B\",\"within\":{}}"));

        Assert.Equal(
            ["$.trigger.where.operator", "$.entry.cooldown.hours", "$.goal.within", "$.steps[0].paths[0].percent", "$.steps[0].paths[1].percent"],
            errors.Select(e => e.Path));
    }

    [Fact]
    public void Parse_InvalidLiquid_ReportsFluidReasonOnly()
    {
        var error = Assert.Single(Errors(Journey("""{"id":"a","type":"send_email","subject":"{{ broken","text":"x"}""")));

        Assert.Equal("$.steps[0].subject", error.Path);
        Assert.Contains("it is invalid: End of tag '}}' was expected at (1:10).", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("\n", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ConditionTooDeep_ReportsDepthUnderStep()
    {
        var condition = string.Concat(Enumerable.Repeat("""{"not":""", 40)) + """{"audience":"a"}""" + new string('}', 40);

        var error = Assert.Single(Errors(Journey($$"""{"id":"a","type":"branch","branches":[{"condition":{{condition}} }]}""")));

        Assert.Equal("$.steps[0].branches[0].condition" + string.Concat(Enumerable.Repeat(".not", 32)), error.Path);
        Assert.Contains("more than 32 levels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ConditionOverNodeLimit_ReportsAtCondition()
    {
        var parts = Enumerable.Range(0, 1_001).Select(i => $$"""{"trait":"t{{i}}","operator":"exists"}""");
        var condition = """{"any":[""" + string.Join(",", parts) + "]}";

        var error = Assert.Single(Errors(Journey($$"""{"id":"a","type":"wait_until","condition":{{condition}},"timeout":{"days":1} }""")));

        Assert.Equal("$.steps[0].condition", error.Path);
        Assert.Contains("more than 1,000 condition objects", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Builds <paramref name="count"/> delay steps, each leading to the next.</summary>
    private static string Chain(int count) => string.Join(",", Enumerable.Range(0, count).Select(i =>
        i < count - 1
            ? $$"""{"id":"s{{i}}","type":"delay","duration":{"seconds":1},"next":"s{{i + 1}}"}"""
            : $$"""{"id":"s{{i}}","type":"exit"}"""));
}
