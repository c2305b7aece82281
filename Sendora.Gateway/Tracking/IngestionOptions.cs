using System.ComponentModel.DataAnnotations;

namespace Sendora.Gateway.Tracking;

/// <summary>Limits of the tracking API, bound from <c>Sendora:Ingestion</c>. Sizes are bytes of the decompressed body.</summary>
public sealed class IngestionOptions
{
    public const string SectionName = "Sendora:Ingestion";

    /// <summary>The largest message, in bytes. Default 32,768, Segment's 32 KB.</summary>
    [Range(1_024, 1_048_576)]
    public int MaxMessageBytes { get; set; } = 32_768;

    /// <summary>The largest batch request, in bytes. Default 512,000 (500 × 1,024), the most a Segment client builds.</summary>
    [Range(1_024, 16_777_216)]
    public int MaxBatchBytes { get; set; } = 512_000;

    /// <summary>The most messages in one batch. Default 2,500, Segment's limit.</summary>
    [Range(1, 100_000)]
    public int MaxBatchMessages { get; set; } = 2_500;

    /// <summary>The longest messageId, in characters. Default 99: Segment asks for ids under 100 characters.</summary>
    [Range(1, 1_000)]
    public int MaxMessageIdLength { get; set; } = 99;

    /// <summary>The longest userId, anonymousId, groupId or previousId, in characters. Default 512.</summary>
    [Range(1, 700)]
    public int MaxIdLength { get; set; } = 512;

    /// <summary>How deep objects and arrays may nest inside one message. Default 64 levels.</summary>
    [Range(8, 200)]
    public int MaxNestingDepth { get; set; } = 64;
}
