using System.Diagnostics;

namespace Sendora.Tests.Journeys.Delivery;

/// <summary>Journeys on separate processes whose silo is killed with SIGKILL and restarted in the middle of a run.</summary>
[Collection(JourneyClusterCollection.Name)]
public sealed class JourneyDurabilityTests(JourneyClusterFixture fixture)
{
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(25);

    [Fact]
    public async Task DelayAcrossSiloRestart_SendsEmailOnce()
    {
        var workspace = await ClusterWorkspace.CreateAsync(fixture.Cluster);
        var address = $"{workspace.Id}@example.test";
        await workspace.CreateAndPublishAsync("welcome", $$$"""
            {"name": "Welcome", "trigger": {"event": "Trial Started"},
             "steps": [{"id": "wait", "type": "delay", "duration": {"seconds": {{{Delay.TotalSeconds}}}}, "next": "mail"},
                       {"id": "mail", "type": "send_email", "subject": "Welcome", "text": "Hi"}]}
            """);
        await workspace.SendAsync("/v1/identify", $$$"""{"userId": "ada", "traits": {"email": "{{{address}}}"}}""");

        var entered = Stopwatch.StartNew();
        await workspace.SendAsync("/v1/track", """{"userId": "ada", "event": "Trial Started"}""");
        await workspace.TotalsWhenAsync("welcome", t => t.GetProperty("active").GetInt64() == 1, TimeSpan.FromSeconds(10));
        await fixture.RestartSiloAsync();
        var restarted = entered.Elapsed;

        var delivery = await workspace.DeliveryAsync("welcome", "mail", Delay + TimeSpan.FromSeconds(60));
        var sentAfter = entered.Elapsed;
        Assert.True(restarted < Delay, $"The silo took until {restarted} to restart, after the delay had ended.");
        Assert.True(sentAfter >= Delay, $"The email was sent {sentAfter} after entry, before the delay of {Delay} ended.");
        Assert.Equal("sent", delivery.GetProperty("status").GetString());

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Single(fixture.Smtp.To(address));
        Assert.Equal(1, fixture.Smtp.TransactionsTo(address));
        var run = Assert.Single(await workspace.RunsAsync("welcome", delivery.GetProperty("profileId").GetString()!));
        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal(["wait", "mail"], run.GetProperty("path").EnumerateArray().Select(p => p.GetString()));
        Assert.Empty(await fixture.RemindersAsync(workspace.Id, "journey-wake"));
    }

    [Fact]
    public async Task SiloKilledMidSend_OutcomeUnknown_NotResent()
    {
        var workspace = await ClusterWorkspace.CreateAsync(fixture.Cluster);
        var address = $"{workspace.Id}@example.test";
        await workspace.CreateAndPublishAsync("receipt", """
            {"name": "Receipt", "trigger": {"event": "Order Completed"},
             "steps": [{"id": "mail", "type": "send_email", "subject": "Your receipt", "text": "Thanks", "next": "mark"},
                       {"id": "mark", "type": "update_trait", "traits": {"receipt_step": "passed"}}]}
            """);
        await workspace.SendAsync("/v1/identify", $$$"""{"userId": "ada", "traits": {"email": "{{{address}}}"}}""");
        var hold = fixture.Smtp.Hold(address);

        await workspace.SendAsync("/v1/track", """{"userId": "ada", "event": "Order Completed"}""");
        await hold.Arrived.WaitAsync(TimeSpan.FromSeconds(20));

        // The SMTP server takes the message only after the silo died, so the silo never learns the outcome.
        await fixture.RestartSiloAsync(whileDown: hold.Release);

        // Nothing of the run was saved before the kill. The profile's reminder sends the saved trigger again a minute
        // after it was saved, and the repeated step finds its delivery still marked sending.
        var delivery = await workspace.DeliveryAsync("receipt", "mail", TimeSpan.FromSeconds(150));
        Assert.Equal("outcome_unknown", delivery.GetProperty("status").GetString());
        Assert.Contains("stopped during the send", delivery.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, delivery.GetProperty("attempts").GetInt32());
        var profileId = delivery.GetProperty("profileId").GetString()!;
        var run = Assert.Single(await workspace.RunsAsync("receipt", profileId));
        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Equal(["mail", "mark"], run.GetProperty("path").EnumerateArray().Select(p => p.GetString()));

        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, fixture.Smtp.TransactionsTo(address));
        Assert.Single(fixture.Smtp.To(address));
    }

    [Fact]
    public async Task EntryOnce_RepeatsAcrossRestart_OneRun()
    {
        var workspace = await ClusterWorkspace.CreateAsync(fixture.Cluster);
        var address = $"{workspace.Id}@example.test";
        await workspace.CreateAndPublishAsync("signup", """
            {"name": "Signup", "trigger": {"event": "Signed Up"}, "entry": {"once": true},
             "steps": [{"id": "mail", "type": "send_email", "subject": "Hello", "text": "Hi"}]}
            """);

        // Every trigger starts a run of this journey, so its totals show when the profile has sent all five on.
        await workspace.CreateAndPublishAsync("tally", """
            {"name": "Tally", "trigger": {"event": "Signed Up"}, "entry": {"every_time": {"key": "attempt"}},
             "steps": [{"id": "mark", "type": "update_trait", "traits": {"signed_up": true}}]}
            """);
        await workspace.SendAsync("/v1/identify", $$$"""{"userId": "ada", "traits": {"email": "{{{address}}}"}}""");

        await Task.WhenAll(Enumerable.Range(0, 2).Select(i => SignUpAsync(workspace, i)));
        var delivery = await workspace.DeliveryAsync("signup", "mail", TimeSpan.FromSeconds(20));
        await fixture.RestartSiloAsync();
        await Task.WhenAll(Enumerable.Range(2, 3).Select(i => SignUpAsync(workspace, i)));
        await workspace.TotalsWhenAsync("tally", t => t.GetProperty("completed").GetInt64() == 5, TimeSpan.FromSeconds(30));

        var totals = await workspace.TotalsWhenAsync("signup", t => t.GetProperty("completed").GetInt64() == 1, TimeSpan.FromSeconds(10));
        Assert.Equal(1, totals.GetProperty("entered").GetInt64());
        Assert.Equal("sent", delivery.GetProperty("status").GetString());
        Assert.Single(fixture.Smtp.To(address));
        var run = Assert.Single(await workspace.RunsAsync("signup", delivery.GetProperty("profileId").GetString()!));
        Assert.Equal(1, run.GetProperty("number").GetInt32());
    }

    private static Task SignUpAsync(ClusterWorkspace workspace, int attempt) => workspace.SendAsync("/v1/track",
        $$$"""{"userId": "ada", "event": "Signed Up", "messageId": "signup-{{{attempt}}}", "properties": {"attempt": {{{attempt}}}}}""");
}
