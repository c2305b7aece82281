using System.Text.RegularExpressions;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Hosting;

/// <summary>The setting tables of docs/configuration.md.</summary>
internal static partial class ConfigurationReferencePage
{
    /// <summary>The page's path in the repository.</summary>
    public static string PathInRepository { get; } = Path.Combine("docs", "configuration.md");

    /// <summary>
    /// Reads each table row whose first cell is a key in backticks, such as
    /// <c>| `Sendora:Channels:Email:Port` | int | `587` | TCP port | … |</c>.
    /// </summary>
    public static IReadOnlyList<ReferenceRow> ReadRows()
    {
        var lines = File.ReadAllLines(Path.Combine(TestEnvironment.RepositoryRoot, PathInRepository));
        var rows = new List<ReferenceRow>();
        for (var index = 0; index < lines.Length; index++)
        {
            if (!lines[index].StartsWith("| `", StringComparison.Ordinal))
            {
                continue;
            }

            var cells = lines[index].Trim('|').Split('|').Select(cell => cell.Trim()).ToArray();
            if (cells.Length < 5)
            {
                throw new InvalidDataException(
                    $"{PathInRepository} line {index + 1} has {cells.Length} cells; a setting row has key, type, "
                    + "default, unit and meaning.");
            }

            rows.Add(new ReferenceRow(cells[0].Trim('`'), cells[1], cells[2], index + 1));
        }

        return rows;
    }

    /// <summary>Replaces each braced segment, such as <c>{workspaceId}</c>, with the scanner's placeholder.</summary>
    public static string NormalizeKey(string key) => BracedSegment().Replace(key, OptionsSettingScanner.Placeholder);

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex BracedSegment();
}
