using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Conformance;

/// <summary>
/// Reads the segment-spec folder of the conformance corpus: payloads from public Segment and RudderStack
/// sources, listed in manifest.json with their call type, endpoint and whether they carry an identity.
/// </summary>
internal static class SpecCorpus
{
    /// <summary>The six call types of the tracking API. The manifest also lists batches, settings and other types.</summary>
    public static readonly string[] MessageTypes = ["identify", "track", "page", "screen", "group", "alias"];

    /// <summary>The segment-spec folder, or null when the corpus is absent and the tests have nothing to check.</summary>
    public static string? Directory =>
        TestEnvironment.CorpusDirectory is { } corpus && System.IO.Directory.Exists(Path.Combine(corpus, "segment-spec"))
            ? Path.Combine(corpus, "segment-spec")
            : null;

    /// <summary>Returns the manifest entries, or none when the corpus is absent.</summary>
    public static IReadOnlyList<ManifestEntry> ReadManifest()
    {
        if (Directory is not { } directory)
        {
            return [];
        }

        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "manifest.json")));
        return [.. manifest.RootElement.EnumerateArray().Select(entry => new ManifestEntry(
            entry.GetProperty("file").GetString()!,
            entry.GetProperty("call_type").GetString()!,
            entry.GetProperty("endpoint").GetString()!,
            entry.GetProperty("has_identity").GetBoolean()))];
    }

    /// <summary>
    /// Returns the files of the entries that <paramref name="include"/> selects as theory data. When the
    /// corpus is absent it returns one empty name, because xunit fails a theory without data, and the
    /// test returns early on it.
    /// </summary>
    public static TheoryData<string> Files(Func<ManifestEntry, bool> include)
    {
        var data = new TheoryData<string>();
        foreach (var entry in ReadManifest().Where(include))
        {
            data.Add(entry.File);
        }

        if (data.Count == 0)
        {
            data.Add(string.Empty);
        }

        return data;
    }

    public static ManifestEntry Entry(string file) => ReadManifest().Single(e => e.File == file);

    public static byte[] ReadBytes(string file) => File.ReadAllBytes(Path.Combine(Directory!, file));
}

/// <summary>One payload of the corpus manifest.</summary>
internal sealed record ManifestEntry(string File, string CallType, string Endpoint, bool HasIdentity)
{
    public bool IsMessage => SpecCorpus.MessageTypes.Contains(CallType);

    public bool IsBatch => CallType == "batch";
}
