using System.ComponentModel.DataAnnotations;

namespace Sendora.Grains.Profiles;

/// <summary>Limits of what one Profile grain keeps, bound from <c>Sendora:Profiles</c>.</summary>
public sealed class ProfileOptions
{
    public const string SectionName = "Sendora:Profiles";

    /// <summary>How many recent events a profile keeps, newest by timestamp. Default 100.</summary>
    [Range(1, 10_000)]
    public int RecentEventLimit { get; set; } = 100;

    /// <summary>How long an applied messageId keeps a repeat from being applied. Default 24 hours.</summary>
    public TimeSpan DeduplicationWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The most messageIds one profile remembers for deduplication; past it the oldest are
    /// forgotten before the window ends. Default 10,000, which bounds the state of a very busy profile.
    /// </summary>
    [Range(100, 1_000_000)]
    public int MaxRememberedMessageIds { get; set; } = 10_000;

    /// <summary>The most group ids one profile keeps. Default 100.</summary>
    [Range(1, 10_000)]
    public int MaxGroupIds { get; set; } = 100;

    /// <summary>
    /// How long an active profile takes no call before it keeps its state packed: serialized and compressed in one
    /// array, which its next call unpacks. Default 30 seconds. Zero or less keeps every state unpacked.
    /// </summary>
    public TimeSpan PackAfterIdle { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest <see cref="PackAfterIdle"/>, well under the 49.7 days that an Orleans grain timer takes at most.</summary>
    public static readonly TimeSpan MaxPackAfterIdle = TimeSpan.FromDays(1);
}
