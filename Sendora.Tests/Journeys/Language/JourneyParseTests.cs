using System.Text.Json;
using Sendora.Grains.Journeys;
using static Sendora.Tests.Journeys.Language.Journeys;

namespace Sendora.Tests.Journeys.Language;

public sealed class JourneyParseTests
{
    private const string FullDefinition = """
        {
          "name": "Welcome series",
          "trigger": {"event": "Signed Up", "where": {"property": "plan", "operator": "equals", "value": "trial"}},
          "entry": {"cooldown": {"days": 7}},
          "exit": [
            {"event": "Unsubscribed", "where": {"property": "list", "operator": "equals", "value": "all"}},
            {"audience_exited": "trial-users"}
          ],
          "goal": {"event": "Order Completed", "type": "track", "within": {"days": 7}},
          "timezone": "Europe/Berlin",
          "start": "wait-a-day",
          "steps": [
            {"id": "wait-a-day", "type": "delay", "duration": {"days": 1}, "next": "check"},
            {"id": "check", "type": "branch",
             "branches": [
               {"condition": {"audience": "vip-customers"}, "next": "vip"},
               {"condition": {"trait": "plan", "operator": "equals", "value": "pro"}}
             ],
             "else": "regular"},
            {"id": "vip", "type": "send_email", "template": "vip-welcome", "transactional": true, "next": "wait-order"},
            {"id": "regular", "type": "send_email", "subject": "Welcome, {{ traits.first_name }}",
             "html": "<p>Hello</p>", "to": "{{ traits.work_email }}", "next": "wait-order"},
            {"id": "wait-order", "type": "wait_until",
             "event": {"event": "Order Completed", "where": {"property": "total", "operator": "greater_than", "value": 10}},
             "timeout": {"hours": 72}, "next": "office-hours", "timeout_next": "nudge"},
            {"id": "nudge", "type": "wait_until", "condition": {"audience": "engaged"}, "timeout": {"minutes": 90},
             "next": "office-hours"},
            {"id": "office-hours", "type": "time_window", "days": ["mon", "tue", "wed", "thu", "fri"],
             "from": "09:00", "to": "17:00", "next": "split"},
            {"id": "split", "type": "random_split",
             "paths": [{"percent": 30, "next": "push"}, {"percent": 70, "next": "hook"}]},
            {"id": "push", "type": "send_push", "title": "Hi {{ traits.first_name }}", "body": "Your trial ends soon",
             "data": {"screen": "billing"}, "next": "tag"},
            {"id": "hook", "type": "send_webhook", "url": "https://example.test/hook", "headers": {"X-A": "b"},
             "body": "{\"id\": \"{{ traits.email }}\"}", "signing_secret": "s3cret", "next": "tag"},
            {"id": "tag", "type": "update_trait", "traits": {"onboarded": true, "score": 3}, "next": "done"},
            {"id": "done", "type": "exit"}
          ]
        }
        """;

    [Fact]
    public void Parse_FullDefinition_BuildsTopLevel()
    {
        var journey = Parse(FullDefinition);

        Assert.Equal("Welcome series", journey.Name);
        Assert.Equal(JourneyTriggerKind.Event, journey.Trigger.Kind);
        Assert.Null(journey.Trigger.AudienceId);
        Assert.Equal("track", journey.Trigger.Event!.Type);
        Assert.Equal("Signed Up", journey.Trigger.Event.Name);
        Assert.Equal(new EntryRule(EntryMode.Cooldown, TimeSpan.FromDays(7), null), journey.Entry);
        Assert.Equal(2, journey.ExitRules.Count);
        Assert.Equal(ExitRuleKind.Event, journey.ExitRules[0].Kind);
        Assert.Equal("Unsubscribed", journey.ExitRules[0].Event!.Name);
        Assert.Equal(new ExitRule(ExitRuleKind.AudienceExited, "trial-users", null), journey.ExitRules[1]);
        Assert.Equal("Order Completed", journey.Goal!.Event.Name);
        Assert.Equal(TimeSpan.FromDays(7), journey.Goal.Within);
        Assert.Equal("Europe/Berlin", journey.TimeZone);
        Assert.Equal("wait-a-day", journey.StartStepId);
        Assert.Equal(["vip-welcome"], journey.TemplateIds.Order());
        Assert.Equal(["engaged", "trial-users", "vip-customers"], journey.AudienceIds.Order());
    }

    [Fact]
    public void Parse_FullDefinition_BuildsEveryStepType()
    {
        var steps = Parse(FullDefinition).Steps;

        Assert.Equal(12, steps.Count);
        Assert.Equal(new DelayStep("wait-a-day", "check", TimeSpan.FromDays(1)), steps["wait-a-day"]);

        var branch = Assert.IsType<BranchStep>(steps["check"]);
        Assert.Equal("regular", branch.Else);
        Assert.Equal(2, branch.Paths.Count);
        Assert.Equal("vip", branch.Paths[0].Next);
        Assert.Equal("vip-customers", JsonDocument.Parse(branch.Paths[0].ConditionJson).RootElement.GetProperty("audience").GetString());
        Assert.Null(branch.Paths[1].Next);

        Assert.Equal(new EmailStep("vip", "wait-order", "vip-welcome", null, null, null, null, true), steps["vip"]);
        var inline = Assert.IsType<EmailStep>(steps["regular"]);
        Assert.Null(inline.TemplateId);
        Assert.Equal("Welcome, {{ traits.first_name }}", inline.Subject);
        Assert.Equal("<p>Hello</p>", inline.HtmlBody);
        Assert.Null(inline.TextBody);
        Assert.Equal("{{ traits.work_email }}", inline.To);
        Assert.False(inline.Transactional);

        var waitEvent = Assert.IsType<WaitUntilStep>(steps["wait-order"]);
        Assert.Equal("Order Completed", waitEvent.Event!.Name);
        Assert.Null(waitEvent.ConditionJson);
        Assert.Equal(TimeSpan.FromHours(72), waitEvent.Timeout);
        Assert.Equal(("office-hours", "nudge"), (waitEvent.Next, waitEvent.TimeoutNext));
        var waitCondition = Assert.IsType<WaitUntilStep>(steps["nudge"]);
        Assert.Null(waitCondition.Event);
        Assert.Equal("""{"audience": "engaged"}""", waitCondition.ConditionJson);
        Assert.Equal(TimeSpan.FromMinutes(90), waitCondition.Timeout);
        Assert.Null(waitCondition.TimeoutNext);

        var window = Assert.IsType<TimeWindowStep>(steps["office-hours"]);
        Assert.Equal([DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday], window.Days.Order());
        Assert.Equal((new TimeOnly(9, 0), new TimeOnly(17, 0)), (window.From, window.To));

        var split = Assert.IsType<SplitStep>(steps["split"]);
        Assert.Equal([new SplitPath(30, "push"), new SplitPath(70, "hook")], split.Paths);

        var push = Assert.IsType<PushStep>(steps["push"]);
        Assert.Equal(("Hi {{ traits.first_name }}", "Your trial ends soon"), (push.Title, push.Body));
        Assert.Equal("billing", push.Data!["screen"]);

        var hook = Assert.IsType<WebhookStep>(steps["hook"]);
        Assert.Equal("https://example.test/hook", hook.Url);
        Assert.Equal("b", hook.Headers!["X-A"]);
        Assert.Equal("""{"id": "{{ traits.email }}"}""", hook.BodyTemplate);
        Assert.Equal("s3cret", hook.SigningSecret);

        var traits = Assert.IsType<UpdateTraitStep>(steps["tag"]);
        Assert.True(JsonDocument.Parse(traits.TraitsJson).RootElement.GetProperty("onboarded").GetBoolean());
        Assert.Equal(new ExitStep("done"), steps["done"]);
    }

    [Fact]
    public void Parse_FullDefinition_FiltersMatchEvents()
    {
        var journey = Parse(FullDefinition);
        using var trial = JsonDocument.Parse("""{"plan": "trial"}""");
        using var paid = JsonDocument.Parse("""{"plan": "pro"}""");
        var now = DateTimeOffset.UnixEpoch;

        Assert.True(journey.Trigger.Event!.Matches("track", "Signed Up", trial.RootElement, now));
        Assert.False(journey.Trigger.Event.Matches("track", "Signed Up", paid.RootElement, now));
        Assert.False(journey.Trigger.Event.Matches("page", "Signed Up", trial.RootElement, now));
    }

    [Fact]
    public void Parse_MinimalDefinition_AppliesDefaults()
    {
        var journey = Parse(Journey("""{"id":"window","type":"time_window","from":"22:00","to":"06:00"}"""));

        Assert.Equal(new JourneyTrigger(JourneyTriggerKind.AudienceEntered, "trial-users", null), journey.Trigger);
        Assert.Equal(new EntryRule(EntryMode.Once, null, null), journey.Entry);
        Assert.Empty(journey.ExitRules);
        Assert.Null(journey.Goal);
        Assert.Equal("UTC", journey.TimeZone);
        Assert.Equal("window", journey.StartStepId);
        Assert.Empty(journey.TemplateIds);
        Assert.Equal(["trial-users"], journey.AudienceIds);
        var window = Assert.IsType<TimeWindowStep>(journey.Steps["window"]);
        Assert.Equal(7, window.Days.Count);
        Assert.Null(window.Next);
    }

    [Theory]
    [InlineData("""{"every_time":{"key":"orderId"}}""", EntryMode.EveryTime, "orderId")]
    [InlineData("""{"every_time":{}}""", EntryMode.EveryTime, null)]
    [InlineData("""{"once":true}""", EntryMode.Once, null)]
    public void Parse_EntryRule_ReadsMode(string entry, EntryMode mode, string? key)
    {
        var journey = Parse(Journey(extra: $"\"entry\":{entry}"));

        Assert.Equal(new EntryRule(mode, null, key), journey.Entry);
    }

    [Theory]
    [InlineData("""{"seconds":1}""", 1)]
    [InlineData("""{"minutes":2}""", 120)]
    [InlineData("""{"hours":3}""", 10_800)]
    [InlineData("""{"days":365}""", 31_536_000)]
    [InlineData("""{"seconds":31536000}""", 31_536_000)]
    [InlineData("""{"days":365.0}""", 31_536_000)]
    [InlineData("""{"minutes":1.2e2}""", 7_200)]
    [InlineData("""{"seconds":36000e-1}""", 3_600)]
    public void Parse_Duration_ReadsEachUnit(string duration, int seconds)
    {
        var journey = Parse(Journey($$"""{"id":"wait","type":"delay","duration":{{duration}}}"""));

        Assert.Equal(TimeSpan.FromSeconds(seconds), Assert.IsType<DelayStep>(journey.Steps["wait"]).Duration);
    }

    [Fact]
    public void Parse_NameOf256Emoji_IsAccepted()
    {
        // Each emoji is two UTF-16 code units, so the name is 512 code units long but 256 characters.
        var name = string.Concat(Enumerable.Repeat("😀", 256));

        var journey = Parse(Journey().Replace("Test journey", name, StringComparison.Ordinal));

        Assert.Equal(name, journey.Name);
    }

    [Fact]
    public void Parse_PercentWithZeroFraction_IsWhole()
    {
        var journey = Parse(Journey("""
            {"id":"split","type":"random_split","paths":[{"percent":25.0,"next":"done"},{"percent":75.00,"next":"done"}]},
            {"id":"done","type":"exit"}
            """));

        var split = Assert.IsType<SplitStep>(journey.Steps["split"]);
        Assert.Equal([25, 75], split.Paths.Select(p => p.Percent));
    }

    [Theory]
    [InlineData("""{"audience_exited":"trial-users"}""", JourneyTriggerKind.AudienceExited)]
    [InlineData("""{"type":"page"}""", JourneyTriggerKind.Event)]
    public void Parse_Trigger_ReadsKind(string trigger, JourneyTriggerKind kind)
    {
        Assert.Equal(kind, Parse(Journey(trigger: trigger)).Trigger.Kind);
    }

    [Fact]
    public void Parse_NullLinks_EndTheRun()
    {
        var journey = Parse(Journey("""{"id":"wait","type":"delay","duration":{"days":1},"next":null}""", extra: "\"start\":null"));

        Assert.Null(journey.Steps["wait"].Next);
        Assert.Equal("wait", journey.StartStepId);
    }

    [Fact]
    public void Parse_TemplateReferences_CollectsEachOnce()
    {
        var steps = """
            {"id":"mail","type":"send_email","template":"welcome","next":"push"},
            {"id":"push","type":"send_push","template":"welcome-push","data":{"screen":"home"},"next":"again"},
            {"id":"again","type":"send_email","template":"welcome"}
            """;

        var journey = Parse(Journey(steps));

        Assert.Equal(["welcome", "welcome-push"], journey.TemplateIds.Order());
        Assert.Equal("welcome-push", Assert.IsType<PushStep>(journey.Steps["push"]).TemplateId);
    }

    [Fact]
    public void Parse_JsonElement_MatchesText()
    {
        using var document = JsonDocument.Parse(FullDefinition);

        var result = JourneyDefinition.Parse(document.RootElement);

        Assert.True(result.IsValid);
        Assert.Equal(12, result.Definition!.Steps.Count);
    }
}
