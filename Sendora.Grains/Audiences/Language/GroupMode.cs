namespace Sendora.Grains.Audiences.Language;

/// <summary>How many of a profile's groups must pass a <c>groups</c> condition.</summary>
internal enum GroupMode
{
    Any,
    All,
    None,
}
