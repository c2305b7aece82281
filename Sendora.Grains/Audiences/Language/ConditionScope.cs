namespace Sendora.Grains.Audiences.Language;

/// <summary>Where a condition object sits, which decides the kinds of condition it may be.</summary>
internal enum ConditionScope
{
    /// <summary>An audience condition over the whole profile.</summary>
    Profile,

    /// <summary>The <c>where</c> of an event condition or funnel step, over one event's properties.</summary>
    EventProperties,

    /// <summary>The <c>where</c> of a <c>groups</c> condition, over one group's traits.</summary>
    GroupTraits,

    /// <summary>
    /// The <c>where</c> of a computed trait, over one event's properties. Each event is applied once
    /// when it arrives, so operators relative to the current time are not allowed.
    /// </summary>
    ComputedTraitProperties,
}
