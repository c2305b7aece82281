using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Sendora.Grains;
using Sendora.Grains.Journeys;
using Sendora.Grains.Profiles;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Journeys;

/// <summary>Regulations that erase a profile with journey runs and their deliveries: active and ended, through the admin API.</summary>
[Collection(JourneyCollection.Name)]
public sealed class JourneyErasureTests(JourneyFixture fixture)
{
    // Long enough for the regulation to end the run while it still waits, with room for a slow machine.
    private static readonly TimeSpan MailDelay = TimeSpan.FromSeconds(8);

    [Fact]
    public async Task Delete_EndsWaitingRunAndSendsNothing()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        await workspace.CreateAndPublishAsync("drip", DripJourney($$"""{"seconds": {{MailDelay.TotalSeconds}}}"""));
        await workspace.CreateAndPublishAsync("welcome", """
            {"name": "Welcome", "trigger": {"event": "Signed Up"},
             "steps": [{"id": "hello", "type": "send_email", "subject": "Welcome", "text": "Hi"}]}
            """);
        await workspace.SendAsync("/v1/identify", """{"userId":"ada","traits":{"email":"erased-ada@example.test"}}""");
        await workspace.SendAsync("/v1/track", """
            {"userId":"ada","event":"Signed Up","messageId":"signup-ada-7f3c",
             "properties":{"city":"Lisbon","referral":"ref-ada-2291"}}
            """);
        Assert.Equal("Welcome", Assert.Single(await workspace.EmailsAsync("erased-ada@example.test")).Subject);
        await workspace.CountersWhenAsync("drip", t => t.GetProperty("active").GetInt64() == 1);
        await workspace.CountersWhenAsync("welcome", t => t.GetProperty("completed").GetInt64() == 1);
        var profileId = await workspace.ProfileIdAsync("ada");
        var before = await InspectRunsAsync(workspace, "drip", profileId);
        var erasedAt = DateTime.UtcNow;

        var regulation = await EraseAsync(workspace, "ada");

        Assert.Equal("FINISHED", regulation.GetProperty("status").GetString());
        Assert.Contains("ref-ada-2291", before, StringComparison.Ordinal);
        var run = Assert.Single(await RunsAsync(workspace, "drip", profileId));
        Assert.Equal("exited", run.GetProperty("status").GetString());
        Assert.Equal("the profile was deleted", run.GetProperty("endReason").GetString());
        Assert.Equal("wait", run.GetProperty("stepId").GetString());
        Assert.Equal(string.Empty, run.GetProperty("entryKey").GetString());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("waitUntil").ValueKind);
        var completed = Assert.Single(await RunsAsync(workspace, "welcome", profileId));
        Assert.Equal("completed", completed.GetProperty("status").GetString());
        foreach (var journeyId in new[] { "drip", "welcome" })
        {
            var inspected = await InspectRunsAsync(workspace, journeyId, profileId);
            Assert.DoesNotContain("signup-ada-7f3c", inspected, StringComparison.Ordinal);
            Assert.DoesNotContain("Lisbon", inspected, StringComparison.Ordinal);
            Assert.DoesNotContain("ref-ada-2291", inspected, StringComparison.Ordinal);
        }

        var counters = await workspace.CountersWhenAsync("drip", t => t.GetProperty("exited").GetInt64() == 1);
        var version = counters.GetProperty("versions")[0];
        Assert.Equal(1, version.GetProperty("total").GetProperty("entered").GetInt64());
        Assert.Equal(0, version.GetProperty("total").GetProperty("active").GetInt64());
        Assert.Equal(0, version.GetProperty("total").GetProperty("completed").GetInt64());
        var steps = version.GetProperty("steps").EnumerateArray()
            .ToDictionary(s => s.GetProperty("stepId").GetString()!, s => s.GetProperty("counters"));
        Assert.Equal(1, steps["wait"].GetProperty("entered").GetInt64());
        Assert.Equal(0, steps["wait"].GetProperty("waiting").GetInt64());
        Assert.Equal(1, steps["wait"].GetProperty("exited").GetInt64());
        Assert.Equal(0, steps["mail"].GetProperty("entered").GetInt64());
        var welcome = await workspace.CountersWhenAsync("welcome", t => t.GetProperty("completed").GetInt64() == 1);
        Assert.Equal(0, welcome.GetProperty("versions")[0].GetProperty("total").GetProperty("exited").GetInt64());

        // The wait of the ended run would have sent the email by now.
        var waitEnded = erasedAt + MailDelay + TimeSpan.FromSeconds(3);
        if (waitEnded > DateTime.UtcNow)
        {
            await Task.Delay(waitEnded - DateTime.UtcNow);
        }

        Assert.Single(fixture.Smtp.To("erased-ada@example.test"));
        var mailLog = await workspace.GetAsync($"{workspace.JourneysPath}/drip/steps/mail/deliveries");
        Assert.Equal(0, mailLog.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task ErasureCutShort_RegulationFinishesRunsOnce()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        await workspace.CreateAndPublishAsync("drip", DripJourney("""{"hours": 1}"""));
        await workspace.SendAsync("/v1/identify", """{"userId":"bea","traits":{"email":"erased-bea@example.test"}}""");
        await workspace.SendAsync("/v1/track", """
            {"userId":"bea","event":"Signed Up","properties":{"city":"Porto","referral":"ref-bea-8812"}}
            """);
        await workspace.CountersWhenAsync("drip", t => t.GetProperty("active").GetInt64() == 1);
        var profileId = await workspace.ProfileIdAsync("bea");
        var grains = workspace.Audiences.Server.Services.GetRequiredService<IGrainFactory>();
        var runGrain = grains.GetGrain<IJourneyRunGrain>(GrainKeys.Scoped(workspace.Id, $"drip/{profileId}"));

        // An erasure that stopped after the profile and its runs but before it finished, as a crash would leave it.
        await grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspace.Id, profileId)).EraseAsync(absorbedBy: null);
        await runGrain.EraseAsync(followed: false);
        var cutShort = Assert.Single(await runGrain.GetRunsAsync());
        var regulation = await EraseAsync(workspace, "bea");

        Assert.Equal("exited", cutShort.Status);
        Assert.Equal("FINISHED", regulation.GetProperty("status").GetString());
        var erased = regulation.GetProperty("subjects")[0].GetProperty("erasedProfileIds");
        Assert.Equal(profileId, Assert.Single(erased.EnumerateArray()).GetString());
        var run = Assert.Single(await RunsAsync(workspace, "drip", profileId));
        Assert.Equal("exited", run.GetProperty("status").GetString());
        Assert.Equal("the profile was deleted", run.GetProperty("endReason").GetString());
        Assert.DoesNotContain("ref-bea-8812", await InspectRunsAsync(workspace, "drip", profileId), StringComparison.Ordinal);
        var counters = await workspace.CountersWhenAsync("drip", t => t.GetProperty("exited").GetInt64() >= 1);
        var total = counters.GetProperty("versions")[0].GetProperty("total");
        Assert.Equal(1, total.GetProperty("entered").GetInt64());
        Assert.Equal(0, total.GetProperty("active").GetInt64());
        Assert.Equal(1, total.GetProperty("exited").GetInt64());
    }

    [Fact]
    public async Task Delete_ErasesRunsOfAbsorbedProfile()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        await workspace.CreateAndPublishAsync("drip", DripJourney("""{"hours": 1}"""));
        await workspace.SendAsync("/v1/track", """
            {"anonymousId":"phone-dee","event":"Signed Up","properties":{"city":"Braga","referral":"ref-dee-4410"}}
            """);
        await workspace.CountersWhenAsync("drip", t => t.GetProperty("active").GetInt64() == 1);
        await workspace.SendAsync("/v1/identify", """{"userId":"dee","traits":{"email":"erased-dee@example.test"}}""");
        await workspace.SendAsync("/v1/identify", """{"userId":"dee","anonymousId":"phone-dee"}""");

        var regulation = await EraseAsync(workspace, "dee");

        Assert.Equal("FINISHED", regulation.GetProperty("status").GetString());
        var erased = regulation.GetProperty("subjects")[0].GetProperty("erasedProfileIds").EnumerateArray()
            .Select(id => id.GetString()!).ToList();
        Assert.Equal(2, erased.Count);
        var runs = new List<JsonElement>();
        foreach (var profileId in erased)
        {
            runs.AddRange(await RunsAsync(workspace, "drip", profileId));
            var inspected = await InspectRunsAsync(workspace, "drip", profileId);
            Assert.DoesNotContain("Braga", inspected, StringComparison.Ordinal);
            Assert.DoesNotContain("ref-dee-4410", inspected, StringComparison.Ordinal);
        }

        var run = Assert.Single(runs);
        Assert.Equal("exited", run.GetProperty("status").GetString());
        Assert.Equal("the profile was deleted", run.GetProperty("endReason").GetString());
        var counters = await workspace.CountersWhenAsync("drip", t => t.GetProperty("exited").GetInt64() == 1);
        var total = counters.GetProperty("versions")[0].GetProperty("total");
        Assert.Equal(1, total.GetProperty("entered").GetInt64());
        Assert.Equal(0, total.GetProperty("active").GetInt64());
    }

    [Fact]
    public async Task ErasedRuns_DropLaterSignals()
    {
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        await workspace.CreateAndPublishAsync("drip", DripJourney($$"""{"seconds": {{MailDelay.TotalSeconds}}}"""));
        await workspace.SendAsync("/v1/identify", """{"userId":"cy","traits":{"email":"erased-cy@example.test"}}""");
        var profileId = await workspace.ProfileIdAsync("cy");
        var grains = workspace.Audiences.Server.Services.GetRequiredService<IGrainFactory>();
        var runGrain = grains.GetGrain<IJourneyRunGrain>(GrainKeys.Scoped(workspace.Id, $"drip/{profileId}"));

        // As for a journey the profile followed: the grain stores its erasure although it has no run.
        await runGrain.EraseAsync(followed: true);
        var follow = await runGrain.SignalAsync([new JourneySignal
        {
            SignalId = $"{profileId}:1",
            JourneyId = "drip",
            Kind = JourneySignalKinds.Event,
            At = DateTimeOffset.UtcNow,
            Event = new JourneyEvent("late-signal", "track", "Signed Up", DateTimeOffset.UtcNow, """{"city":"Faro"}"""),
            TriggerCandidate = true,
        }]);

        Assert.Null(follow);
        Assert.Empty(await runGrain.GetRunsAsync());
        Assert.DoesNotContain("Faro", await InspectRunsAsync(workspace, "drip", profileId), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_ErasesSentAndRetryingDeliveries()
    {
        const string address = "erased-eve@example.test";
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        await workspace.CreateAndPublishAsync("welcome", """
            {"name": "Welcome", "trigger": {"event": "Signed Up"},
             "steps": [{"id": "hello", "type": "send_email", "subject": "Welcome to {{ event.properties.city }}",
                        "text": "Hi {{ traits.first_name }}"}]}
            """);
        await workspace.CreateAndPublishAsync("deals", """
            {"name": "Deals", "trigger": {"event": "Browsed"},
             "steps": [{"id": "offer", "type": "send_email", "subject": "Deals in {{ event.properties.city }}",
                        "text": "Hi {{ traits.first_name }}"}]}
            """);
        await workspace.SendAsync("/v1/identify", $$$"""{"userId":"eve","traits":{"email":"{{{address}}}","first_name":"Evangeline"}}""");
        await workspace.SendAsync("/v1/track", """{"userId":"eve","event":"Signed Up","properties":{"city":"Coimbra"}}""");
        Assert.Equal("Welcome to Coimbra", Assert.Single(await workspace.EmailsAsync(address)).Subject);

        // The SMTP server rejects the second email for now, so its delivery waits a minute for a retry.
        fixture.Smtp.ReplyTo(address, 451);
        await workspace.SendAsync("/v1/track", """{"userId":"eve","event":"Browsed","properties":{"city":"Coimbra"}}""");
        var retrying = Assert.Single(await workspace.StepDeliveriesWhenAsync("deals", "offer",
            records => records.Count == 1 && records[0].GetProperty("status").GetString() == "retrying"));
        var retryAt = retrying.GetProperty("nextAttemptAt").GetDateTimeOffset();
        var profileId = await workspace.ProfileIdAsync("eve");
        var sentId = Assert.Single(Assert.Single(await RunsAsync(workspace, "welcome", profileId))
            .GetProperty("deliveries").EnumerateArray()).GetString()!;
        var retryingId = retrying.GetProperty("deliveryId").GetString()!;
        var before = await InspectDeliveryAsync(workspace, retryingId);

        var regulation = await EraseAsync(workspace, "eve");

        Assert.Equal("FINISHED", regulation.GetProperty("status").GetString());
        Assert.Contains(address, before, StringComparison.Ordinal);
        Assert.Contains("Evangeline", before, StringComparison.Ordinal);
        var sent = await workspace.GetAsync($"/admin/v1/workspaces/{workspace.Id}/deliveries/{sentId}");
        Assert.Equal("sent", sent.GetProperty("status").GetString());
        Assert.Equal(1, sent.GetProperty("attempts").GetInt32());
        var suppressed = await workspace.GetAsync($"/admin/v1/workspaces/{workspace.Id}/deliveries/{retryingId}");
        Assert.Equal("suppressed", suppressed.GetProperty("status").GetString());
        Assert.Equal("The profile was deleted before the delivery was sent.", suppressed.GetProperty("reason").GetString());
        Assert.Equal(JsonValueKind.Null, suppressed.GetProperty("nextAttemptAt").ValueKind);
        foreach (var deliveryId in new[] { sentId, retryingId })
        {
            var record = await workspace.GetAsync($"/admin/v1/workspaces/{workspace.Id}/deliveries/{deliveryId}");
            var inspected = await InspectDeliveryAsync(workspace, deliveryId);
            foreach (var text in new[] { address, "Evangeline", "Coimbra" })
            {
                Assert.DoesNotContain(text, record.GetRawText(), StringComparison.Ordinal);
                Assert.DoesNotContain(text, inspected, StringComparison.Ordinal);
            }
        }

        var offerLog = await workspace.GetAsync($"{workspace.JourneysPath}/deals/steps/offer/deliveries");
        Assert.Equal("suppressed", Assert.Single(offerLog.GetProperty("data").EnumerateArray()).GetProperty("status").GetString());
        Assert.Equal(1, offerLog.GetProperty("counts").GetProperty("suppressed").GetInt64());
        Assert.Equal(0, offerLog.GetProperty("counts").GetProperty("retrying").GetInt64());
        Assert.DoesNotContain("451", offerLog.GetRawText(), StringComparison.Ordinal);
        var helloLog = await workspace.GetAsync($"{workspace.JourneysPath}/welcome/steps/hello/deliveries");
        Assert.Equal(1, helloLog.GetProperty("counts").GetProperty("sent").GetInt64());
        foreach (var journeyId in new[] { "welcome", "deals" })
        {
            var total = (await workspace.CountersWhenAsync(journeyId, t => t.GetProperty("completed").GetInt64() == 1))
                .GetProperty("versions")[0].GetProperty("total");
            Assert.Equal(1, total.GetProperty("entered").GetInt64());
            Assert.Equal(0, total.GetProperty("active").GetInt64());
            Assert.Equal(0, total.GetProperty("exited").GetInt64());
        }

        // The retry would have sent the second email by now, and the first attempt is the only one the server saw.
        var retryPassed = retryAt.UtcDateTime + TimeSpan.FromSeconds(5);
        if (retryPassed > DateTime.UtcNow)
        {
            await Task.Delay(retryPassed - DateTime.UtcNow);
        }

        Assert.Equal(2, fixture.Smtp.TransactionsTo(address));
        Assert.Single(fixture.Smtp.To(address));
        var after = await workspace.GetAsync($"/admin/v1/workspaces/{workspace.Id}/deliveries/{retryingId}");
        Assert.Equal("suppressed", after.GetProperty("status").GetString());
    }

    [Fact]
    public async Task ErasureCutShort_RegulationErasesDeliveries()
    {
        const string address = "erased-fay@example.test";
        var workspace = await JourneyWorkspace.CreateAsync(fixture);
        await workspace.CreateAndPublishAsync("welcome", """
            {"name": "Welcome", "trigger": {"event": "Signed Up"},
             "steps": [{"id": "hello", "type": "send_email", "subject": "Welcome to {{ event.properties.city }}", "text": "Hi"}]}
            """);
        await workspace.SendAsync("/v1/identify", $$$"""{"userId":"fay","traits":{"email":"{{{address}}}"}}""");
        await workspace.SendAsync("/v1/track", """{"userId":"fay","event":"Signed Up","properties":{"city":"Evora"}}""");
        Assert.Single(await workspace.EmailsAsync(address));
        var profileId = await workspace.ProfileIdAsync("fay");
        var grains = workspace.Audiences.Server.Services.GetRequiredService<IGrainFactory>();
        var runGrain = grains.GetGrain<IJourneyRunGrain>(GrainKeys.Scoped(workspace.Id, $"welcome/{profileId}"));

        // An erasure that stopped after the profile and its runs but before the deliveries, as a crash would leave it.
        await grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspace.Id, profileId)).EraseAsync(absorbedBy: null);
        var deliveryId = Assert.Single(await runGrain.EraseAsync(followed: false));
        var before = await InspectDeliveryAsync(workspace, deliveryId);
        var regulation = await EraseAsync(workspace, "fay");

        Assert.Equal("FINISHED", regulation.GetProperty("status").GetString());
        Assert.Contains(address, before, StringComparison.Ordinal);
        var inspected = await InspectDeliveryAsync(workspace, deliveryId);
        Assert.DoesNotContain(address, inspected, StringComparison.Ordinal);
        Assert.DoesNotContain("Evora", inspected, StringComparison.Ordinal);
        var record = await workspace.GetAsync($"/admin/v1/workspaces/{workspace.Id}/deliveries/{deliveryId}");
        Assert.Equal("sent", record.GetProperty("status").GetString());
        var log = await workspace.GetAsync($"{workspace.JourneysPath}/welcome/steps/hello/deliveries");
        Assert.Equal(1, log.GetProperty("counts").GetProperty("sent").GetInt64());
        Assert.Equal(1, log.GetProperty("total").GetInt32());
    }

    /// <summary>A journey that waits <paramref name="duration"/> before it sends, so that an erasure can come while its run waits.</summary>
    private static string DripJourney(string duration) => $$$"""
        {"name": "Drip", "trigger": {"event": "Signed Up"}, "entry": {"every_time": {"key": "referral"}},
         "steps": [{"id": "wait", "type": "delay", "duration": {{{duration}}}, "next": "mail"},
                   {"id": "mail", "type": "send_email", "subject": "Hello from {{ event.properties.city }}", "text": "Hi"}]}
        """;

    private static async Task<JsonElement> EraseAsync(JourneyWorkspace workspace, string userId)
    {
        string regulationId;
        using (var created = await workspace.AdminAsync(HttpMethod.Post, $"/admin/v1/workspaces/{workspace.Id}/regulations",
            JsonSerializer.Serialize(new { regulationType = "DELETE", subjectIds = new[] { userId } })))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.Accepted, created);
            regulationId = (await JsonAssert.ReadAsync(created)).GetProperty("id").GetString()!;
        }

        return await Poll.UntilAsync(
            () => workspace.GetAsync($"/admin/v1/workspaces/{workspace.Id}/regulations/{regulationId}"),
            regulation => regulation.GetProperty("status").GetString() != "RUNNING",
            regulation => $"the regulation did not finish: {regulation}",
            TimeSpan.FromSeconds(30));
    }

    private static async Task<List<JsonElement>> RunsAsync(JourneyWorkspace workspace, string journeyId, string profileId)
    {
        var body = await workspace.GetAsync($"{workspace.JourneysPath}/{journeyId}/runs/{profileId}");
        return [.. body.GetProperty("data").EnumerateArray()];
    }

    private static async Task<string> InspectDeliveryAsync(JourneyWorkspace workspace, string deliveryId)
    {
        var inspected = await workspace.GetAsync($"/admin/v1/workspaces/{workspace.Id}/inspect/deliveries/{deliveryId}");
        return inspected.GetProperty("state").GetRawText();
    }

    private static async Task<string> InspectRunsAsync(JourneyWorkspace workspace, string journeyId, string profileId)
    {
        var inspected = await workspace.GetAsync($"/admin/v1/workspaces/{workspace.Id}/inspect/journeys/{journeyId}/runs/{profileId}");
        return inspected.GetProperty("state").GetRawText();
    }
}
