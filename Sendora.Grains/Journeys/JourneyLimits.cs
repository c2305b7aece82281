using Sendora.Grains.Audiences.Language;

namespace Sendora.Grains.Journeys;

/// <summary>Limits that every journey definition must stay within.</summary>
public static class JourneyLimits
{
    /// <summary>Maximum size of a definition: 262,144 bytes (256 KB) of UTF-8 JSON.</summary>
    public const int MaxDefinitionBytes = 256 * 1024;

    /// <summary>Maximum length of the journey's name, in characters as <see cref="TextLength"/> counts them.</summary>
    public const int MaxNameLength = 256;

    /// <summary>Maximum length of a step id or template id, in characters.</summary>
    public const int MaxIdLength = 64;

    /// <summary>Maximum number of steps.</summary>
    public const int MaxSteps = 200;

    /// <summary>Maximum number of exit rules.</summary>
    public const int MaxExitRules = 20;

    /// <summary>Maximum number of branches of one branch step, not counting <c>else</c>.</summary>
    public const int MaxBranches = 20;

    /// <summary>Maximum number of paths of one random split.</summary>
    public const int MaxSplitPaths = 10;

    /// <summary>Maximum number of headers of one webhook step.</summary>
    public const int MaxWebhookHeaders = 20;

    /// <summary>Maximum number of traits one update_trait step sets.</summary>
    public const int MaxUpdatedTraits = 100;

    /// <summary>
    /// Maximum length of a delay, timeout, cooldown or goal window, in days. The minimum is 1 second.
    /// </summary>
    public const int MaxDurationDays = 365;

    /// <summary>
    /// Maximum JSON nesting of a definition: a condition's own limit plus the levels of the journey around it
    /// (the root, the steps array, a step, the branches array and a branch).
    /// </summary>
    public const int MaxJsonDepth = ConditionLimits.MaxJsonDepth + 8;
}
