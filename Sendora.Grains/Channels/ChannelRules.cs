namespace Sendora.Grains.Channels;

/// <summary>The rules that hold back non-transactional deliveries of one workspace.</summary>
public sealed class ChannelRules
{
    /// <summary>Frequency caps by channel name (<c>email</c>, <c>push</c>, <c>webhook</c>). Default: none.</summary>
    public Dictionary<string, FrequencyCap> FrequencyCaps { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The hours in which non-transactional email and push wait. Default null: no quiet hours.</summary>
    public QuietHours? QuietHours { get; set; }
}
