using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Hosting;

/// <summary>How the silo and gateway processes end when a setting is invalid.</summary>
public sealed class StartupErrorTests
{
    private static readonly TimeSpan ExitTimeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("Sendora.Silo")]
    [InlineData("Sendora.Gateway")]
    public async Task InvalidOption_ExitsWithKeyAndNoStackTrace(string project)
    {
        var environment = new Dictionary<string, string>
        {
            ["Sendora__Storage"] = "Memory",
            ["Sendora__Gateway__HostSilo"] = "true",
            ["Sendora__Memory__CheckInterval"] = "00:00:00",
        };

        await using var process = SendoraProcess.Start(project, environment, "--urls", "http://127.0.0.1:0");
        await process.WaitForExitAsync(ExitTimeout);

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("Invalid setting: Sendora:Memory:CheckInterval must be more than zero", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Sendora.Silo")]
    [InlineData("Sendora.Gateway")]
    public async Task OutOfRangeOption_NamesFullKey(string project)
    {
        var environment = new Dictionary<string, string>
        {
            ["Sendora__Storage"] = "Memory",
            ["Sendora__Gateway__HostSilo"] = "true",
            ["Sendora__Profiles__RecentEventLimit"] = "0",
        };

        await using var process = SendoraProcess.Start(project, environment, "--urls", "http://127.0.0.1:0");
        await process.WaitForExitAsync(ExitTimeout);

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("Invalid setting: Sendora:Profiles:RecentEventLimit: The field RecentEventLimit must be between 1 and 10000.",
            process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("DataAnnotation validation failed", process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MalformedTimeSpan_NamesKeyAndForm()
    {
        var environment = new Dictionary<string, string>
        {
            ["Sendora__Storage"] = "Memory",
            ["Sendora__Memory__CheckInterval"] = "abc",
        };

        await using var process = SendoraProcess.Start("Sendora.Silo", environment);
        await process.WaitForExitAsync(ExitTimeout);

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
        var environment = new Dictionary<string, string> { ["Sendora__Storage"] = "Cassandra" };

        await using var process = SendoraProcess.Start(project, environment, "--urls", "http://127.0.0.1:0");
        await process.WaitForExitAsync(ExitTimeout);

        Assert.Equal(1, process.ExitCode);
        Assert.Contains("Sendora:Storage must be one of", process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", process.Output, StringComparison.Ordinal);
    }
}
