using System.Text.Json.Nodes;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Conformance;

/// <summary>
/// Reads bugs/CASES.md of the conformance corpus: failure cases from public bug reports, one <c>## Cnn: title</c>
/// section each, whose minimal input is a fenced block of lines such as <c>track {"messageId":"m1",…}</c>.
/// </summary>
internal static class BugCases
{
    /// <summary>The CASES.md file, or null when the corpus is absent and the tests have nothing to check.</summary>
    public static string? File =>
        TestEnvironment.CorpusDirectory is { } corpus && System.IO.File.Exists(Path.Combine(corpus, "bugs", "CASES.md"))
            ? Path.Combine(corpus, "bugs", "CASES.md")
            : null;

    /// <summary>
    /// Returns the messages of a case's input lines that start with a call type, such as <c>track {…}</c>, as JSON
    /// objects with <c>type</c> set to that call type. Returns null when the corpus is absent.
    /// </summary>
    public static IReadOnlyList<string>? ReadMessages(string caseId)
    {
        if (File is not { } file)
        {
            return null;
        }

        var lines = System.IO.File.ReadAllLines(file);
        var start = Array.FindIndex(lines, l => l.StartsWith($"## {caseId}:", StringComparison.Ordinal));
        if (start < 0)
        {
            throw new InvalidOperationException($"{file} has no section '## {caseId}:'.");
        }

        var messages = new List<string>();
        for (var i = start + 1; i < lines.Length && !lines[i].StartsWith("## ", StringComparison.Ordinal); i++)
        {
            var line = lines[i].Trim();
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space < 0 || !SpecCorpus.MessageTypes.Contains(line[..space]) || line[(space + 1)..].TrimStart() is not ['{', ..] json)
            {
                continue;
            }

            var message = JsonNode.Parse(json)!.AsObject();
            message["type"] = line[..space];
            messages.Add(message.ToJsonString());
        }

        return messages.Count > 0
            ? messages
            : throw new InvalidOperationException($"Section {caseId} of {file} has no input line such as 'track {{…}}'.");
    }
}
