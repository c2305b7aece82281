using System.ComponentModel.DataAnnotations;

namespace Sendora.Grains.Ingestion;

/// <summary>How much of its rejected input a source keeps, bound from <c>Sendora:SourceHealth</c>.</summary>
public sealed class SourceHealthOptions
{
    public const string SectionName = "Sendora:SourceHealth";

    /// <summary>How many rejected messages a source keeps, newest first; older ones are only counted. Default 1,000.</summary>
    [Range(1, 100_000)]
    public int MaxKeptRejections { get; set; } = 1_000;

    /// <summary>How many bytes of each rejected message are kept. Default 32,768.</summary>
    [Range(256, 1_048_576)]
    public int MaxKeptBytes { get; set; } = 32_768;
}
