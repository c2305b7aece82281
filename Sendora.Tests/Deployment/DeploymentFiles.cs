using System.Text.RegularExpressions;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Deployment;

/// <summary>
/// Reads azure.yaml and the environment variables of infra/main.bicep as text. The parsers understand only the
/// shapes these files use, which is enough to check them without the Azure Developer CLI or the Bicep compiler.
/// </summary>
internal static partial class DeploymentFiles
{
    /// <summary>An azure.yaml service: its project folder, host, language and Dockerfile path.</summary>
    public sealed record AzdService(string Name, string Project, string Host, string Language, string DockerPath,
        string DockerContext);

    /// <summary>An environment variable that the Bicep sets, with its literal value or null.</summary>
    public sealed record EnvironmentSetting(string Name, string? Literal, bool IsSecret);

    public static string Root => TestEnvironment.RepositoryRoot;

    /// <summary>Parses the services section of azure.yaml, keyed by service name.</summary>
    public static IReadOnlyDictionary<string, AzdService> ReadServices()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "azure.yaml"));
        var services = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        Dictionary<string, string>? current = null;
        var inServices = false;
        var prefix = string.Empty;
        foreach (var raw in lines)
        {
            var line = raw.Split(" #")[0].TrimEnd();
            if (line.Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }

            var indent = line.Length - line.TrimStart().Length;
            var (key, value) = SplitYaml(line.Trim());
            if (indent == 0)
            {
                inServices = key == "services";
                continue;
            }

            if (!inServices)
            {
                continue;
            }

            if (indent == 2)
            {
                current = services[key] = new Dictionary<string, string>(StringComparer.Ordinal);
                prefix = string.Empty;
            }
            else if (current is not null && indent == 4)
            {
                prefix = value.Length == 0 ? key + "." : string.Empty;
                current[key] = value;
            }
            else if (current is not null && indent == 6)
            {
                current[prefix + key] = value;
            }
        }

        return services.ToDictionary(
            pair => pair.Key,
            pair => new AzdService(pair.Key, Get(pair.Value, "project"), Get(pair.Value, "host"),
                Get(pair.Value, "language"), Get(pair.Value, "docker.path"), Get(pair.Value, "docker.context")));
    }

    /// <summary>Returns the environment variables that infra/main.bicep gives the container app of a service.</summary>
    public static IReadOnlyList<EnvironmentSetting> ReadEnvironment(string serviceName)
    {
        var bicep = File.ReadAllText(Path.Combine(Root, "infra", "main.bicep"));
        var shared = Block(bicep, "var clusterSettings = [", "\n]");
        var module = Block(bicep, $"module {serviceName} '", "\n}");
        var settings = EnvironmentEntry().Matches(module).Select(ToSetting).ToList();
        if (module.Contains("concat(clusterSettings", StringComparison.Ordinal))
        {
            settings.AddRange(EnvironmentEntry().Matches(shared).Select(ToSetting));
        }

        return settings;
    }

    /// <summary>Returns every environment variable name in infra/main.bicep and its modules.</summary>
    public static IReadOnlyList<string> ReadAllEnvironmentNames() =>
        [.. Directory.GetFiles(Path.Combine(Root, "infra"), "*.bicep", SearchOption.AllDirectories)
            .SelectMany(file => EnvironmentEntry().Matches(File.ReadAllText(file)))
            .Select(match => match.Groups["name"].Value)];

    private static EnvironmentSetting ToSetting(Match match)
    {
        var rest = match.Groups["rest"].Value.Trim();
        var literal = LiteralValue().Match(rest);
        return new EnvironmentSetting(
            match.Groups["name"].Value,
            literal.Success ? literal.Groups["value"].Value : null,
            rest.StartsWith("secretRef:", StringComparison.Ordinal));
    }

    private static string Block(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"infra/main.bicep has no '{start}'.");
        var to = text.IndexOf(end, from, StringComparison.Ordinal);
        return to < 0 ? text[from..] : text[from..to];
    }

    private static (string Key, string Value) SplitYaml(string line)
    {
        var colon = line.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? (line, string.Empty) : (line[..colon].Trim(), line[(colon + 1)..].Trim());
    }

    private static string Get(Dictionary<string, string> values, string key) =>
        values.TryGetValue(key, out var value) ? value : string.Empty;

    [GeneratedRegex(@"\{\s*name:\s*'(?<name>[A-Za-z0-9_]+)',\s*(?<rest>[^}]*)\}")]
    private static partial Regex EnvironmentEntry();

    [GeneratedRegex(@"^value:\s*'(?<value>[^'$]*)'\s*$")]
    private static partial Regex LiteralValue();
}
