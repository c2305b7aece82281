using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Sendora.Silo.Hosting;
using Sendora.Tests.Infrastructure;
using Sendora.Tests.Observability;

namespace Sendora.Tests.Hosting;

/// <summary>The collection that returns free memory once a server turns quiet.</summary>
public sealed class MemoryTrimTests
{
    private static readonly TimeSpan Interval = new MemoryTrimOptions().CheckInterval;

    // Bytes allocated in one interval of 30 s: under and over the default quiet rate of 4 MiB/s.
    private const long Quiet = 1L << 20;
    private const long Busy = 400L << 20;

    [Fact]
    public void Observe_QuietAfterStart_TrimsOnce()
    {
        var policy = new QuietTrimPolicy(new MemoryTrimOptions { MinAllocatedSinceTrim = 0 });

        Assert.True(policy.Observe(Quiet, Interval));
        Assert.False(policy.Observe(Quiet, Interval));
        Assert.False(policy.Observe(0, Interval));
    }

    [Fact]
    public void Observe_BusyThenQuiet_TrimsAfterEachBurst()
    {
        var policy = new QuietTrimPolicy(new MemoryTrimOptions { MinAllocatedSinceTrim = 0 });

        Assert.False(policy.Observe(Busy, Interval));
        Assert.False(policy.Observe(Busy, Interval));
        Assert.True(policy.Observe(Quiet, Interval));
        Assert.False(policy.Observe(Quiet, Interval));
        Assert.False(policy.Observe(Busy, Interval));
        Assert.True(policy.Observe(Quiet, Interval));
    }

    [Fact]
    public void Observe_SmallBurst_WaitsForMinAllocated()
    {
        var policy = new QuietTrimPolicy(new MemoryTrimOptions { MinAllocatedSinceTrim = 2 * Busy });
        Assert.False(policy.Observe(Busy, Interval));
        Assert.False(policy.Observe(Quiet, Interval));

        Assert.False(policy.Observe(Busy, Interval));
        Assert.True(policy.Observe(Quiet, Interval));
    }

    [Fact]
    public void Observe_ShortInterval_JudgedWithNext()
    {
        var policy = new QuietTrimPolicy(new MemoryTrimOptions { MinAllocatedSinceTrim = 0 });
        var late = TimeSpan.FromMilliseconds(5);

        // A few milliseconds without allocation, right after a late check, are not a quiet interval.
        Assert.False(policy.Observe(0, late));
        Assert.False(policy.Observe(Busy, Interval - late));
        Assert.False(policy.Observe(0, late));
        Assert.True(policy.Observe(Quiet, Interval));
    }

    [Fact]
    public void Observe_RateAtLimit_CountsAsQuiet()
    {
        var options = new MemoryTrimOptions { MinAllocatedSinceTrim = 0 };
        var atLimit = options.QuietAllocationRate * (long)(3 * Interval).TotalSeconds;

        Assert.True(new QuietTrimPolicy(options).Observe(atLimit, 3 * Interval));
        Assert.False(new QuietTrimPolicy(options).Observe(atLimit + 1, 3 * Interval));
    }

    [Fact]
    public async Task QuietServer_AfterStart_TrimsOnceAndCounts()
    {
        await using var server = await SendoraServer.StartAsync(Settings(quietRate: long.MaxValue / 1024));
        var trimmer = server.Services.GetRequiredService<MemoryTrimmer>();

        for (var i = 0; i < 20; i++)
        {
            using var response = await server.PostAsync("/v1/track", $$"""{"userId": "trim-{{i}}", "event": "Opened"}""");
            await JsonAssert.StatusAsync(System.Net.HttpStatusCode.OK, response);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (trimmer.Trims == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.True(trimmer.Trims > 0, "no trim ran within 20 s");

        // Every interval from here on is quiet, because the quiet rate is out of reach, so no trim follows the first.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(1, trimmer.Trims);
        var scrape = await PrometheusScrape.WaitForAsync(server, s => s.Value("sendora_memory_trims_total") > 0);
        Assert.True(scrape.Value("sendora_memory_trims_total") > 0, scrape.Text);
        Assert.True(scrape.Has("sendora_memory_trimmed_bytes_total"), scrape.Text);
    }

    [Fact]
    public async Task BusyServer_DuringTraffic_DoesNotTrim()
    {
        await using var server = await SendoraServer.StartAsync(Settings(quietRate: 0));
        var trimmer = server.Services.GetRequiredService<MemoryTrimmer>();

        // An interval of the start may measure no allocation and trim, but traffic allocates in every interval, so a
        // quiet rate of zero is never met while it lasts.
        var trimsBefore = trimmer.Trims;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        for (var i = 0; DateTime.UtcNow < until; i++)
        {
            using var response = await server.PostAsync("/v1/track", $$"""{"userId": "busy-{{i % 10}}", "event": "Opened"}""");
            await JsonAssert.StatusAsync(System.Net.HttpStatusCode.OK, response);
        }

        Assert.Equal(trimsBefore, trimmer.Trims);
    }

    [Fact]
    public async Task Start_ZeroCheckInterval_StopsWithTheKey()
    {
        var start = SendoraServer.StartAsync(new Dictionary<string, string?>
        {
            ["Sendora:Memory:CheckInterval"] = "00:00:00",
        });

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => start);

        Assert.Contains("Sendora:Memory:CheckInterval must be more than zero", exception.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Settings(long quietRate) => new()
    {
        ["Sendora:Memory:TrimWhenQuiet"] = "true",
        ["Sendora:Memory:CheckInterval"] = "00:00:00.200",
        ["Sendora:Memory:QuietAllocationRate"] = quietRate.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Sendora:Memory:MinAllocatedSinceTrim"] = "1024",
    };
}
