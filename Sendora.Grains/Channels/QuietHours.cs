using System.ComponentModel.DataAnnotations;

namespace Sendora.Grains.Channels;

/// <summary>
/// From <see cref="StartHour"/> to <see cref="EndHour"/> in the profile's <c>timezone</c> trait (an IANA id),
/// non-transactional email and push are queued and sent when the window ends. A start after the end spans midnight.
/// </summary>
public sealed class QuietHours
{
    /// <summary>The hour quiet hours begin, 0 to 23. Default 21.</summary>
    [Range(0, 23)]
    public int StartHour { get; set; } = 21;

    /// <summary>The hour quiet hours end, 0 to 23. Default 8.</summary>
    [Range(0, 23)]
    public int EndHour { get; set; } = 8;

    /// <summary>The IANA time zone of profiles without a valid <c>timezone</c> trait. Default <c>UTC</c>.</summary>
    public string DefaultTimeZone { get; set; } = "UTC";
}
