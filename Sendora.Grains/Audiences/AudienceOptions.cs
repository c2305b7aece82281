using System.ComponentModel.DataAnnotations;

namespace Sendora.Grains.Audiences;

/// <summary>Settings of audience grains and profile evaluation, bound from <c>Sendora:Audiences</c>.</summary>
public sealed class AudienceOptions
{
    public const string SectionName = "Sendora:Audiences";

    /// <summary>How long membership changes stay in an audience's log for replay by <c>Last-Event-ID</c>. Default 24 hours.</summary>
    public TimeSpan LogRetention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How many shards hold one audience's members. Default 64: at about 60 bytes per member, a shard of an
    /// audience of one million profiles stays near 1 MB, the most an Azure Table entity holds.
    /// </summary>
    [Range(1, 4096)]
    public int ShardCount { get; set; } = 64;

    /// <summary>How many profiles' catalog reads one silo serves from memory before asking the workspace again. Default 1 second.</summary>
    public TimeSpan CatalogRefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The most events a profile keeps for audience conditions and computed traits. Default 500.</summary>
    [Range(1, 100_000)]
    public int EventHistoryLimit { get; set; } = 500;

    /// <summary>How long a profile keeps events for audience conditions. Default 400 days.</summary>
    public TimeSpan EventHistoryRetention { get; set; } = TimeSpan.FromDays(400);
}
