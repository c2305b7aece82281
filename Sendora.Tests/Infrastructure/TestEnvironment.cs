namespace Sendora.Tests.Infrastructure;

/// <summary>Paths and settings that test.sh passes in, with fallbacks for a plain <c>dotnet test</c>.</summary>
public static class TestEnvironment
{
    /// <summary>The repository root, found by walking up to Sendora.sln.</summary>
    public static string RepositoryRoot { get; } = FindRoot();

    /// <summary>The folder with package.json and the npm packages the tests use.</summary>
    public static string ToolsDirectory =>
        Environment.GetEnvironmentVariable("SENDORA_TOOLS_DIR") is { Length: > 0 } dir
            ? dir
            : Path.Combine(RepositoryRoot, "tools");

    /// <summary>The conformance corpus, or null when the folder is absent.</summary>
    public static string? CorpusDirectory
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("SENDORA_CORPUS");
            var path = configured is { Length: > 0 }
                ? configured
                : Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "corpus"));
            return Directory.Exists(path) ? path : null;
        }
    }

    public static string Chromium =>
        Environment.GetEnvironmentVariable("SENDORA_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>The Release or Debug build folder of a project, matching the configuration of this test assembly.</summary>
    public static string BuildOutput(string project)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}")
            ? "Debug"
            : "Release";
        return Path.Combine(RepositoryRoot, project, "bin", configuration, "net10.0");
    }

    private static string FindRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Sendora.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException(
            $"Sendora.sln was not found above {AppContext.BaseDirectory}; run the tests from the repository.");
    }
}
