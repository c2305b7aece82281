using System.ComponentModel.DataAnnotations;

namespace Sendora.Grains.Channels;

/// <summary>At most <see cref="Limit"/> non-transactional deliveries per profile in any <see cref="Window"/>.</summary>
public sealed class FrequencyCap
{
    [Range(0, 1_000)]
    public int Limit { get; set; }

    /// <summary>The sliding window the limit applies to. Default 1 day.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromDays(1);
}
