namespace Sendora.Grains.Audiences.Language;

/// <summary>Where a field condition reads its value.</summary>
internal enum FieldSource
{
    /// <summary>A trait of the profile.</summary>
    Trait,

    /// <summary>A computed trait of the profile, by key.</summary>
    ComputedTrait,

    /// <summary>A property of the event or a trait of the group being tested.</summary>
    Subject,
}
