using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Hosting;

/// <summary>How the silo and gateway processes end when a setting is invalid or a stop comes while they start.</summary>
public sealed class StartupErrorTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Starts <paramref name="project"/> on Memory storage with one setting added or replaced, and waits until it exits.</summary>
    private static async Task<SendoraProcess> ExitedAsync(string project, string key, string value)
    {
        var environment = new Dictionary<string, string>
        {
            ["Sendora__Storage"] = "Memory",
            ["Sendora__Gateway__HostSilo"] = "true",
            [key] = value,
        };

        var process = SendoraProcess.Start(project, environment, "--urls", "http://127.0.0.1:0");
        await process.WaitForExitAsync(ExitTimeout);
        return process;
    }

    [Theory]
    [InlineData("Sendora.Silo")]
    [InlineData("Sendora.Gateway")]
    public async Task InvalidOption_ExitsWithKeyAndNoStackTrace(string project)
    {
        await using var process = await ExitedAsync(project, "Sendora__Memory__CheckInterval", "00:00:00");

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("Invalid setting: Sendora:Memory:CheckInterval must be more than zero", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Sendora.Silo")]
    [InlineData("Sendora.Gateway")]
    public async Task OutOfRangeOption_NamesFullKey(string project)
    {
        await using var process = await ExitedAsync(project, "Sendora__Profiles__RecentEventLimit", "0");

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("Invalid setting: Sendora:Profiles:RecentEventLimit: The field RecentEventLimit must be between 1 and 10000.",
            process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("DataAnnotation validation failed", process.Output, StringComparison.Ordinal);
    }

    // The channel report is the first service the host starts, and the silo's own start comes after it. Before,
    // SIGTERM in that window made the start throw, and the process aborted with a stack trace and a core dump.
    [Theory]
    [InlineData("Sendora.Silo")]
    [InlineData("Sendora.Gateway")]
    public async Task StopDuringStart_ExitsCleanly(string project)
    {
        var environment = new Dictionary<string, string>
        {
            ["Sendora__Storage"] = "Memory",
            ["Sendora__Gateway__HostSilo"] = "true",
            ["SENDORA_ADMIN_TOKEN"] = "stop-during-start-admin-token",
        };

        await using var process = SendoraProcess.Start(project, environment, "--urls", "http://127.0.0.1:0");
        await process.WaitForOutputAsync("ChannelSettingsReport", ExitTimeout);
        await process.StopAsync();
        await process.WaitForExitAsync(ExitTimeout);

        Assert.True(process.ExitCode == 0, $"{project} exited with {process.ExitCode}. Output:\n{process.Output}");
        Assert.DoesNotContain("Unhandled exception", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedTimeSpan_NamesKeyAndForm()
    {
        await using var process = await ExitedAsync("Sendora.Silo", "Sendora__Memory__CheckInterval", "abc");

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("'Sendora:Memory:CheckInterval'", process.Output, StringComparison.Ordinal);
        Assert.Contains("Write a time span as [d.]hh:mm:ss", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Sendora.Silo")]
    [InlineData("Sendora.Gateway")]
    public async Task UnknownStorage_ExitsWithChoicesAndNoStackTrace(string project)
    {
        await using var process = await ExitedAsync(project, "Sendora__Storage", "Cassandra");

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("Sendora:Storage must be one of", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }
}
