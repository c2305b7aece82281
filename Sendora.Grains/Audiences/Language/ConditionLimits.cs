namespace Sendora.Grains.Audiences.Language;

/// <summary>Limits that every condition and computed trait definition must stay within.</summary>
public static class ConditionLimits
{
    /// <summary>Maximum number of condition objects in one definition, counting every nested one.</summary>
    public const int MaxNodes = 1_000;

    /// <summary>Maximum nesting of condition objects, counting the root as level 1.</summary>
    public const int MaxDepth = 32;

    /// <summary>Maximum length of any window or duration, in days (about 100 years).</summary>
    public const int MaxWindowDays = 36_500;

    /// <summary>Maximum number of entries in a <c>one_of</c> list.</summary>
    public const int MaxOneOfValues = 1_000;

    /// <summary>
    /// Maximum JSON nesting accepted by <see cref="Condition.Parse(string)"/>. Every condition level
    /// takes up to three JSON levels (an object, an <c>all</c> array, a <c>where</c> object).
    /// </summary>
    public const int MaxJsonDepth = 128;
}
