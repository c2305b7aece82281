namespace Sendora.Grains.Profiles;

/// <summary>
/// Raised by a profile whose last write failed, until a new activation reloads its state. Callers
/// treat it like unavailable storage and retry.
/// </summary>
[GenerateSerializer, Alias("sendora.ProfileUnavailableException")]
public sealed class ProfileUnavailableException(string message) : Exception(message);
