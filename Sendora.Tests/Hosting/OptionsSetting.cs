namespace Sendora.Tests.Hosting;

/// <summary>One leaf setting of an options class, as the configuration binder reads it.</summary>
/// <param name="Key">The full configuration key, with <c>{}</c> for each dictionary key or list index.</param>
/// <param name="Type">The property's type.</param>
/// <param name="Default">The value a new options instance has, when <paramref name="HasDefault"/> is true.</param>
/// <param name="HasDefault">False for dictionary and list entries, which have no value until configured.</param>
internal sealed record OptionsSetting(string Key, Type Type, object? Default, bool HasDefault);
