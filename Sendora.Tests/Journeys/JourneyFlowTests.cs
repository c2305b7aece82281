using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Journeys;

/// <summary>Journeys run end to end: messages in through the gateway, email out through an SMTP server.</summary>
[Collection(JourneyCollection.Name)]
public sealed class JourneyFlowTests(JourneyFixture fixture)
{
    private const string TrialPlan = """{"trait":"plan","operator":"equals","value":"trial"}""";

    [Fact]
    public async Task AudienceEntered_DelayThenBranch_SendsRenderedEmail()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        await workspace.Audiences.CreateAudienceAsync("trial", TrialPlan);
        await workspace.CreateAndPublishAsync("welcome", """
            {"name": "Trial welcome", "trigger": {"audience_entered": "trial"},
             "steps": [
               {"id": "wait", "type": "delay", "duration": {"seconds": 2}, "next": "size"},
               {"id": "size", "type": "branch",
                "branches": [{"condition": {"trait": "seats", "operator": "at_least", "value": 5}, "next": "team-mail"}],
                "else": "solo-mail"},
               {"id": "team-mail", "type": "send_email", "subject": "Welcome, {{ traits.first_name }} and team",
                "html": "<p>{{ traits.seats }} seats on {{ traits.plan }}</p>", "text": "{{ traits.seats }} seats"},
               {"id": "solo-mail", "type": "send_email", "subject": "Welcome, {{ traits.first_name }}", "text": "Just you"}
             ]}
            """);

        var started = DateTime.UtcNow;
        await workspace.SendAsync("/v1/identify",
            """{"userId":"ada","traits":{"plan":"trial","seats":12,"first_name":"Ada","email":"ada@example.test"}}""");
        await workspace.SendAsync("/v1/identify",
            """{"userId":"bob","traits":{"plan":"trial","seats":1,"first_name":"Bob","email":"bob@example.test"}}""");

        var ada = Assert.Single(await workspace.EmailsAsync("ada@example.test"));
        Assert.True(DateTime.UtcNow - started >= TimeSpan.FromSeconds(2), "The email came before the delay ended.");
        Assert.Equal("Welcome, Ada and team", ada.Subject);
        Assert.Contains("12 seats on trial", ada.HtmlBody, StringComparison.Ordinal);
        Assert.Equal("Welcome, Bob", Assert.Single(await workspace.EmailsAsync("bob@example.test")).Subject);

        var counters = await workspace.CountersWhenAsync("welcome", t => t.GetProperty("completed").GetInt64() == 2);
        var version = counters.GetProperty("versions")[0];
        Assert.Equal(2, version.GetProperty("total").GetProperty("entered").GetInt64());
        Assert.Equal(0, version.GetProperty("total").GetProperty("active").GetInt64());
        var steps = version.GetProperty("steps").EnumerateArray()
            .ToDictionary(s => s.GetProperty("stepId").GetString()!, s => s.GetProperty("counters"));
        Assert.Equal(2, steps["wait"].GetProperty("entered").GetInt64());
        Assert.Equal(0, steps["wait"].GetProperty("waiting").GetInt64());
        Assert.Equal(1, steps["team-mail"].GetProperty("completed").GetInt64());
        Assert.Equal(1, steps["solo-mail"].GetProperty("completed").GetInt64());

        var run = Assert.Single(await workspace.RunsAsync("welcome", "ada"));
        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal(["wait", "size", "team-mail"], run.GetProperty("path").EnumerateArray().Select(p => p.GetString()));
        var deliveries = await workspace.GetAsync($"{workspace.JourneysPath}/welcome/steps/team-mail/deliveries");
        Assert.Equal("sent", deliveries.GetProperty("data")[0].GetProperty("status").GetString());
    }

    [Fact]
    public async Task EventTrigger_EntryOnce_RepeatsStartOneRun()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        await workspace.CreateAndPublishAsync("signup", """
            {"name": "Signup", "trigger": {"event": "Signed Up"}, "entry": {"once": true},
             "steps": [{"id": "mail", "type": "send_email", "subject": "Hello", "text": "Hi"}]}
            """);

        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"email":"once@example.test"}}""");
        for (var i = 0; i < 5; i++)
        {
            await workspace.SendAsync("/v1/track", $$"""{"userId":"u1","event":"Signed Up","messageId":"signup-{{i}}"}""");
        }

        Assert.Single(await workspace.EmailsAsync("once@example.test"));
        await workspace.CountersWhenAsync("signup", t => t.GetProperty("completed").GetInt64() == 1);
        Assert.Single(await workspace.RunsAsync("signup", "u1"));
    }

    [Fact]
    public async Task EveryTimeKeyed_OneActiveRunPerKey()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        await workspace.CreateAndPublishAsync("orders", """
            {"name": "Order follow-up", "trigger": {"event": "Order Completed", "where": {"property": "total", "operator": "at_least", "value": 10}},
             "entry": {"every_time": {"key": "order_id"}},
             "steps": [{"id": "wait", "type": "delay", "duration": {"seconds": 2}, "next": "mail"},
                       {"id": "mail", "type": "send_email", "subject": "Order {{ event.properties.order_id }}", "text": "Thanks"}]}
            """);

        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"email":"orders@example.test"}}""");
        await workspace.SendAsync("/v1/batch", """
            {"batch": [
              {"type":"track","userId":"u1","event":"Order Completed","properties":{"order_id":"A","total":20}},
              {"type":"track","userId":"u1","event":"Order Completed","properties":{"order_id":"A","total":20}},
              {"type":"track","userId":"u1","event":"Order Completed","properties":{"order_id":"B","total":30}},
              {"type":"track","userId":"u1","event":"Order Completed","properties":{"order_id":"C","total":5}}
            ]}
            """);

        var emails = await workspace.EmailsAsync("orders@example.test", count: 2);
        Assert.Equal(["Order A", "Order B"], emails.Select(m => m.Subject).Order());
        Assert.Equal(2, (await workspace.RunsAsync("orders", "u1")).Count);
    }

    [Fact]
    public async Task ExitEvent_EndsWaitingRunBeforeItSends()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        await workspace.CreateAndPublishAsync("cart", """
            {"name": "Abandoned cart", "trigger": {"event": "Cart Updated"},
             "exit": [{"event": "Order Completed"}],
             "steps": [{"id": "wait", "type": "delay", "duration": {"hours": 1}, "next": "mail"},
                       {"id": "mail", "type": "send_email", "subject": "Your cart", "text": "Come back"}]}
            """);

        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Cart Updated"}""");
        await workspace.CountersWhenAsync("cart", t => t.GetProperty("active").GetInt64() == 1);
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Order Completed"}""");

        var counters = await workspace.CountersWhenAsync("cart", t => t.GetProperty("exited").GetInt64() == 1);
        var wait = counters.GetProperty("versions")[0].GetProperty("steps")[0].GetProperty("counters");
        Assert.Equal(1, wait.GetProperty("exited").GetInt64());
        Assert.Equal(0, wait.GetProperty("waiting").GetInt64());
        var run = Assert.Single(await workspace.RunsAsync("cart", "u1"));
        Assert.Equal("exited", run.GetProperty("status").GetString());
        Assert.Contains("Order Completed", run.GetProperty("endReason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WaitUntilEvent_TakesEventPathOrTimeoutPath()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        await workspace.CreateAndPublishAsync("nudge", """
            {"name": "Nudge", "trigger": {"event": "Trial Started"},
             "goal": {"event": "Upgraded", "within": {"days": 7}},
             "steps": [{"id": "wait", "type": "wait_until", "event": {"event": "Feature Used"}, "timeout": {"seconds": 2},
                        "next": "thanks", "timeout_next": "remind"},
                       {"id": "thanks", "type": "send_email", "subject": "Thanks", "text": "Glad you tried it"},
                       {"id": "remind", "type": "send_email", "subject": "Try it", "text": "You have not tried it yet"}]}
            """);

        await workspace.SendAsync("/v1/identify", """{"userId":"active","traits":{"email":"active@example.test"}}""");
        await workspace.SendAsync("/v1/identify", """{"userId":"idle","traits":{"email":"idle@example.test"}}""");
        await workspace.SendAsync("/v1/track", """{"userId":"active","event":"Trial Started"}""");
        await workspace.SendAsync("/v1/track", """{"userId":"idle","event":"Trial Started"}""");
        await workspace.SendAsync("/v1/track", """{"userId":"active","event":"Feature Used"}""");

        Assert.Equal("Thanks", Assert.Single(await workspace.EmailsAsync("active@example.test")).Subject);
        Assert.Equal("Try it", Assert.Single(await workspace.EmailsAsync("idle@example.test")).Subject);

        await workspace.SendAsync("/v1/track", """{"userId":"idle","event":"Upgraded"}""");
        var counters = await workspace.CountersWhenAsync("nudge", t => t.GetProperty("converted").GetInt64() == 1);
        var steps = counters.GetProperty("versions")[0].GetProperty("steps").EnumerateArray()
            .ToDictionary(s => s.GetProperty("stepId").GetString()!, s => s.GetProperty("counters"));
        Assert.Equal(1, steps["remind"].GetProperty("converted").GetInt64());
        Assert.Equal(0, steps["thanks"].GetProperty("converted").GetInt64());
    }

    [Fact]
    public async Task Goal_ConvertsOnlyLatestRunOnce()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        await workspace.CreateAndPublishAsync("trial", """
            {"name": "Trial", "trigger": {"event": "Trial Started"}, "entry": {"every_time": {}},
             "exit": [{"event": "Trial Cancelled"}],
             "goal": {"event": "Upgraded", "within": {"days": 7}},
             "steps": [{"id": "wait", "type": "delay", "duration": {"hours": 1}}]}
            """);
        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"email":"trial@example.test"}}""");

        // The first run ends by the exit rule while its goal window is still open, then a second run starts.
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Trial Started"}""");
        await workspace.CountersWhenAsync("trial", t => t.GetProperty("active").GetInt64() == 1);
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Trial Cancelled"}""");
        await workspace.CountersWhenAsync("trial", t => t.GetProperty("exited").GetInt64() == 1);
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Trial Started"}""");
        await workspace.CountersWhenAsync("trial", t => t.GetProperty("active").GetInt64() == 1);

        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Upgraded"}""");

        var converted = await workspace.CountersWhenAsync("trial", t => t.GetProperty("converted").GetInt64() >= 1);
        Assert.Equal(1, converted.GetProperty("versions")[0].GetProperty("total").GetProperty("converted").GetInt64());
        var runs = await workspace.RunsAsync("trial", "u1");
        Assert.Equal(2, runs.Count);
        Assert.Equal(2, runs[0].GetProperty("number").GetInt32());
        Assert.NotEqual(JsonValueKind.Null, runs[0].GetProperty("convertedAt").ValueKind);
        Assert.Equal(JsonValueKind.Null, runs[1].GetProperty("convertedAt").ValueKind);

        // A second goal event converts neither the converted run nor the ended one.
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Upgraded"}""");
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Trial Cancelled"}""");
        var ended = await workspace.CountersWhenAsync("trial", t => t.GetProperty("exited").GetInt64() == 2);
        Assert.Equal(1, ended.GetProperty("versions")[0].GetProperty("total").GetProperty("converted").GetInt64());
        runs = await workspace.RunsAsync("trial", "u1");
        Assert.Equal(JsonValueKind.Null, runs[1].GetProperty("convertedAt").ValueKind);
    }

    [Fact]
    public async Task NewVersion_RunningProfilesFinishOnTheirVersion()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        const string Template = """
            {"name": "Versions", "trigger": {"event": "Joined"},
             "steps": [{"id": "wait", "type": "delay", "duration": {"seconds": 3}, "next": "mail"},
                       {"id": "mail", "type": "send_email", "subject": "SUBJECT", "text": "Hi"}]}
            """;
        await workspace.CreateAndPublishAsync("versions", Template.Replace("SUBJECT", "First", StringComparison.Ordinal));
        await workspace.SendAsync("/v1/identify", """{"userId":"early","traits":{"email":"early@example.test"}}""");
        await workspace.SendAsync("/v1/identify", """{"userId":"late","traits":{"email":"late@example.test"}}""");
        await workspace.SendAsync("/v1/track", """{"userId":"early","event":"Joined"}""");
        await workspace.CountersWhenAsync("versions", t => t.GetProperty("active").GetInt64() == 1);

        using (var edited = await workspace.AdminAsync(HttpMethod.Put, $"{workspace.JourneysPath}/versions",
            $$"""{"definition":{{Template.Replace("SUBJECT", "Second", StringComparison.Ordinal)}}}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, edited);
            Assert.True((await JsonAssert.ReadAsync(edited)).GetProperty("hasUnpublishedChanges").GetBoolean());
        }

        var published = await workspace.PublishAsync("versions");
        Assert.Equal(2, published.GetProperty("latestVersion").GetInt32());
        await workspace.SendAsync("/v1/track", """{"userId":"late","event":"Joined"}""");

        Assert.Equal("First", Assert.Single(await workspace.EmailsAsync("early@example.test")).Subject);
        Assert.Equal("Second", Assert.Single(await workspace.EmailsAsync("late@example.test")).Subject);
        var first = await workspace.GetAsync($"{workspace.JourneysPath}/versions/versions/1");
        Assert.Contains("First", first.GetProperty("definition").GetRawText(), StringComparison.Ordinal);

        using var again = await workspace.AdminAsync(HttpMethod.Post, $"{workspace.JourneysPath}/versions/publish");
        await JsonAssert.StatusAsync(HttpStatusCode.Conflict, again);
    }

    [Fact]
    public async Task Paused_TakesNoEntriesUntilResumed()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        await workspace.CreateAndPublishAsync("paused", """
            {"name": "Paused", "trigger": {"event": "Ping"}, "entry": {"every_time": {}},
             "steps": [{"id": "mail", "type": "send_email", "subject": "Pong", "text": "Pong"}]}
            """);
        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"email":"paused@example.test"}}""");

        using (var paused = await workspace.AdminAsync(HttpMethod.Post, $"{workspace.JourneysPath}/paused/pause"))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, paused);
            Assert.Equal("paused", (await JsonAssert.ReadAsync(paused)).GetProperty("status").GetString());
        }

        await Task.Delay(200);
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Ping"}""");
        await Task.Delay(1_000);
        Assert.Empty(fixture.Smtp.To("paused@example.test"));

        using (var resumed = await workspace.AdminAsync(HttpMethod.Post, $"{workspace.JourneysPath}/paused/resume"))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, resumed);
        }

        await Task.Delay(200);
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Ping"}""");
        Assert.Single(await workspace.EmailsAsync("paused@example.test"));

        var audit = await workspace.GetAsync($"/admin/v1/workspaces/{workspace.Id}/audit");
        var actions = audit.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("journey.create", actions);
        Assert.Contains("journey.publish", actions);
        Assert.Contains("journey.pause", actions);
        Assert.Contains("journey.resume", actions);
    }

    [Fact]
    public async Task UpdateTraitAndSplit_SetTraitAndKeepPath()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        await workspace.CreateAndPublishAsync("tagging", """
            {"name": "Tagging", "trigger": {"event": "Visited"}, "entry": {"every_time": {}},
             "steps": [{"id": "split", "type": "random_split", "paths": [{"percent": 50, "next": "a"}, {"percent": 50, "next": "b"}]},
                       {"id": "a", "type": "update_trait", "traits": {"cohort": "a"}},
                       {"id": "b", "type": "update_trait", "traits": {"cohort": "b"}}]}
            """);

        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Visited","messageId":"v1"}""");
        await workspace.CountersWhenAsync("tagging", t => t.GetProperty("completed").GetInt64() == 1);
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Visited","messageId":"v2"}""");
        await workspace.CountersWhenAsync("tagging", t => t.GetProperty("completed").GetInt64() == 2);

        var runs = await workspace.RunsAsync("tagging", "u1");
        Assert.Equal(2, runs.Count);
        var paths = runs.Select(r => r.GetProperty("path")[1].GetString()).Distinct().ToList();
        var path = Assert.Single(paths);
        var traits = await workspace.GetAsync($"/v1/spaces/{workspace.Id}/collections/users/profiles/user_id:u1/traits");
        Assert.Equal(path, traits.GetProperty("traits").GetProperty("cohort").GetString());
    }

    [Fact]
    public async Task InvalidDefinition_RejectedWithPath()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        using var response = await workspace.AdminAsync(HttpMethod.Post, workspace.JourneysPath, """
            {"id": "broken", "definition": {"name": "Broken", "trigger": {"event": "X"},
             "steps": [{"id": "a", "type": "delay", "duration": {"seconds": 1}, "next": "nowhere"}]}}
            """);

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var body = await JsonAssert.ReadAsync(response);
        var error = Assert.Single(body.GetProperty("errors").EnumerateArray());
        Assert.Equal("$.definition.steps[0].next", error.GetProperty("path").GetString());
        Assert.Contains("nowhere", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingTemplate_RefusesPublishWithStepPath()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        using (var created = await workspace.AdminAsync(HttpMethod.Post, workspace.JourneysPath, """
            {"id": "templated", "definition": {"name": "Templated", "trigger": {"event": "X"},
             "steps": [{"id": "mail", "type": "send_email", "template": "welcome"}]}}
            """))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.Created, created);
        }

        using var response = await workspace.AdminAsync(HttpMethod.Post, $"{workspace.JourneysPath}/templated/publish");
        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var error = Assert.Single((await JsonAssert.ReadAsync(response)).GetProperty("errors").EnumerateArray());
        Assert.Equal("$.definition.steps[0].template", error.GetProperty("path").GetString());
        var journey = await workspace.GetAsync($"{workspace.JourneysPath}/templated");
        Assert.Equal("draft", journey.GetProperty("status").GetString());
    }

    [Fact]
    public async Task WaitUntilCondition_MovesOnWhenTraitsMatch()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        await workspace.CreateAndPublishAsync("activation", """
            {"name": "Activation", "trigger": {"event": "Signed Up"},
             "steps": [{"id": "wait", "type": "wait_until", "condition": {"trait": "activated", "operator": "equals", "value": true},
                        "timeout": {"hours": 1}, "next": "mail"},
                       {"id": "mail", "type": "send_email", "subject": "You are set up", "text": "Done"}]}
            """);

        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"email":"activation@example.test"}}""");
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Signed Up"}""");
        await workspace.CountersWhenAsync("activation", t => t.GetProperty("active").GetInt64() == 1);
        Assert.Equal("waiting", (await workspace.RunsAsync("activation", "u1"))[0].GetProperty("status").GetString());

        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"activated":true}}""");

        Assert.Equal("You are set up", Assert.Single(await workspace.EmailsAsync("activation@example.test")).Subject);
    }

    [Fact]
    public async Task TimeWindow_WaitsForOpeningInProfileZone()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        var now = DateTimeOffset.UtcNow;
        var opens = now.AddHours(3);
        var from = opens.ToString("HH:00", System.Globalization.CultureInfo.InvariantCulture);
        var to = opens.AddHours(1).ToString("HH:00", System.Globalization.CultureInfo.InvariantCulture);
        await workspace.CreateAndPublishAsync("window", $$"""
            {"name": "Window", "trigger": {"event": "Browsed"}, "timezone": "UTC",
             "steps": [{"id": "hours", "type": "time_window", "from": "{{from}}", "to": "{{to}}", "next": "mail"},
                       {"id": "mail", "type": "send_email", "subject": "Hi", "text": "Hi"}]}
            """);

        await workspace.SendAsync("/v1/track", """{"userId":"utc","event":"Browsed"}""");
        await workspace.SendAsync("/v1/identify", """{"userId":"tokyo","traits":{"timezone":"Asia/Tokyo"}}""");
        await workspace.SendAsync("/v1/track", """{"userId":"tokyo","event":"Browsed"}""");
        await workspace.CountersWhenAsync("window", t => t.GetProperty("active").GetInt64() == 2);

        var utc = (await workspace.RunsAsync("window", "utc"))[0];
        Assert.Equal("waiting", utc.GetProperty("status").GetString());
        var expected = new DateTimeOffset(opens.Year, opens.Month, opens.Day, opens.Hour, 0, 0, TimeSpan.Zero);
        Assert.Equal(expected, utc.GetProperty("waitUntil").GetDateTimeOffset());

        // The same local hours in Tokyo are 9 hours earlier in UTC, so the opening differs from the UTC profile's.
        var tokyo = (await workspace.RunsAsync("window", "tokyo"))[0];
        Assert.Equal("waiting", tokyo.GetProperty("status").GetString());
        var tokyoOpening = tokyo.GetProperty("waitUntil").GetDateTimeOffset();
        Assert.NotEqual(expected, tokyoOpening);
        Assert.Equal(0, (tokyoOpening - expected).Ticks % TimeSpan.TicksPerHour);
    }

    [Fact]
    public async Task AudienceExit_TriggersOneJourneyAndEndsAnother()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        await workspace.Audiences.CreateAudienceAsync("trial", TrialPlan);
        await workspace.CreateAndPublishAsync("onboarding", """
            {"name": "Onboarding", "trigger": {"audience_entered": "trial"}, "exit": [{"audience_exited": "trial"}],
             "steps": [{"id": "wait", "type": "delay", "duration": {"days": 1}, "next": "mail"},
                       {"id": "mail", "type": "send_email", "subject": "Day two", "text": "Tips"}]}
            """);
        await workspace.CreateAndPublishAsync("winback", """
            {"name": "Win back", "trigger": {"audience_exited": "trial"},
             "steps": [{"id": "mail", "type": "send_email", "subject": "We miss you, {{ traits.first_name }}", "text": "Come back"}]}
            """);

        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"plan":"trial","first_name":"Cy","email":"cy@example.test"}}""");
        await workspace.CountersWhenAsync("onboarding", t => t.GetProperty("active").GetInt64() == 1);
        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"plan":"free"}}""");

        Assert.Equal("We miss you, Cy", Assert.Single(await workspace.EmailsAsync("cy@example.test")).Subject);
        await workspace.CountersWhenAsync("onboarding", t => t.GetProperty("exited").GetInt64() == 1);
        var run = Assert.Single(await workspace.RunsAsync("onboarding", "u1"));
        Assert.Equal("left audience trial", run.GetProperty("endReason").GetString());
    }

    [Fact]
    public async Task Cooldown_RefusesEntryUntilItPasses()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        await workspace.CreateAndPublishAsync("cooldown", """
            {"name": "Cooldown", "trigger": {"event": "Viewed Pricing"}, "entry": {"cooldown": {"seconds": 3}},
             "steps": [{"id": "mail", "type": "send_email", "subject": "Questions about pricing?", "text": "Ask us"}]}
            """);
        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"email":"cooldown@example.test"}}""");

        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Viewed Pricing"}""");
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Viewed Pricing"}""");
        Assert.Single(await workspace.EmailsAsync("cooldown@example.test"));

        await Task.Delay(TimeSpan.FromSeconds(3.5));
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Viewed Pricing"}""");
        Assert.Equal(2, (await workspace.EmailsAsync("cooldown@example.test", count: 2)).Count);
    }

    [Fact]
    public async Task TemplateStep_UsesCopyMadeAtPublish()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        var templates = $"/admin/v1/workspaces/{workspace.Id}/templates";
        using (var created = await workspace.AdminAsync(HttpMethod.Post, templates,
            """{"id": "welcome", "name": "Welcome", "channel": "email", "subject": "Welcome, {{ traits.first_name }}", "textBody": "Hi"}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.Created, created);
        }

        await workspace.CreateAndPublishAsync("templated", """
            {"name": "Templated", "trigger": {"event": "Signed Up"}, "entry": {"every_time": {}},
             "steps": [{"id": "mail", "type": "send_email", "template": "welcome"}]}
            """);
        using (var edited = await workspace.AdminAsync(HttpMethod.Put, $"{templates}/welcome",
            """{"name": "Welcome", "channel": "email", "subject": "Edited subject", "textBody": "Hi"}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.OK, edited);
        }

        await workspace.SendAsync("/v1/identify", """{"userId":"u1","traits":{"first_name":"Di","email":"di@example.test"}}""");
        await workspace.SendAsync("/v1/track", """{"userId":"u1","event":"Signed Up"}""");
        Assert.Equal("Welcome, Di", Assert.Single(await workspace.EmailsAsync("di@example.test")).Subject);

        var version = await workspace.GetAsync($"{workspace.JourneysPath}/templated/versions/1");
        Assert.Equal(1, version.GetProperty("templates")[0].GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task TemplateOfOtherChannel_RefusesPublish()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        using (var created = await workspace.AdminAsync(HttpMethod.Post, $"/admin/v1/workspaces/{workspace.Id}/templates",
            """{"id": "alert", "name": "Alert", "channel": "push", "title": "Hi", "body": "There"}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.Created, created);
        }

        using (var journey = await workspace.AdminAsync(HttpMethod.Post, workspace.JourneysPath, """
            {"id": "mixed", "definition": {"name": "Mixed", "trigger": {"event": "X"},
             "steps": [{"id": "wait", "type": "delay", "duration": {"minutes": 5}, "next": "mail"},
                       {"id": "mail", "type": "send_email", "template": "alert"}]}}
            """))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.Created, journey);
        }

        using var response = await workspace.AdminAsync(HttpMethod.Post, $"{workspace.JourneysPath}/mixed/publish");
        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var error = Assert.Single((await JsonAssert.ReadAsync(response)).GetProperty("errors").EnumerateArray());
        Assert.Equal("$.definition.steps[1].template", error.GetProperty("path").GetString());
        Assert.Contains("push template", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }
}
