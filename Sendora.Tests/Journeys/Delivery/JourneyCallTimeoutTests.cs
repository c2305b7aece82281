using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Sendora.Tests.Channels;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Journeys.Delivery;

/// <summary>
/// A run whose step outlasts the grain call timeout. A webhook that never replies keeps the delivery busy longer than
/// the silo lets a run grain wait for it, as it can with the defaults, because both timeouts are 30 seconds.
/// </summary>
public sealed class JourneyCallTimeoutTests : IAsyncLifetime
{
    // Long enough that setting up the workspace fits in it on a loaded test machine, where creating one has taken
    // more than 3 seconds, and short enough to keep the test well under a minute.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    private ChannelStandIns? _standIns;
    private SendoraServer? _server;

    public async Task InitializeAsync()
    {
        _standIns = await ChannelStandIns.StartAsync();
        var settings = _standIns.Settings();
        settings["Sendora:Channels:Webhook:Timeout"] = (CallTimeout * 2).ToString();

        // The retry waits a minute, so the delivery grain is free when the run grain calls it again.
        settings["Sendora:Channels:Webhook:InitialRetryDelay"] = "00:01:00";
        settings["Sendora:Channels:Webhook:MaxRetryDelay"] = "00:02:00";
        _server = await SendoraServer.StartAsync(settings,
            services: s => s.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = CallTimeout));
    }

    [Fact]
    public async Task StepCallTimesOut_RunResumesAndCompletes()
    {
        var workspace = await JourneyWorkspace.CreateAsync(_server!, _standIns!.Smtp);
        var name = "hang-" + Guid.NewGuid().ToString("N");
        await workspace.CreateAndPublishAsync("slow", $$$"""
            {"name": "Slow hook", "trigger": {"event": "Ping"},
             "steps": [{"id": "hook", "type": "send_webhook", "url": "{{{_standIns.Webhooks.Url("hang", name)}}}", "next": "mark"},
                       {"id": "mark", "type": "update_trait", "traits": {"pinged": true}}]}
            """);

        await workspace.SendAsync("/v1/track", """{"userId": "ada", "event": "Ping"}""");

        var totals = await workspace.CountersWhenAsync("slow", t => t.GetProperty("completed").GetInt64() == 1, TimeSpan.FromSeconds(60));
        Assert.Equal(1, totals.GetProperty("versions")[0].GetProperty("total").GetProperty("entered").GetInt64());
        var run = Assert.Single(await workspace.RunsAsync("slow", "ada"));
        Assert.Equal(["hook", "mark"], run.GetProperty("path").EnumerateArray().Select(p => p.GetString()));
        var delivery = Assert.Single(await workspace.StepDeliveriesWhenAsync("slow", "hook", records => records.Count == 1));
        Assert.Equal("retrying", delivery.GetProperty("status").GetString());
        Assert.Equal(1, _standIns.Webhooks.AttemptsOf(name));
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        if (_standIns is not null)
        {
            await _standIns.DisposeAsync();
        }
    }
}
