namespace Sendora.Grains.Channels;

/// <summary>
/// Checks unsubscribe tokens in the silo, where the signing key is configured, and unsubscribes their profile.
/// A stateless worker: call it with key 0.
/// </summary>
public interface IUnsubscribeGrain : IGrainWithIntegerKey
{
    /// <summary>Returns the target of a valid token, or null.</summary>
    Task<UnsubscribeTarget?> ReadAsync(string token);

    /// <summary>Unsubscribes the target of a valid token and returns it, or returns null for an invalid token.</summary>
    Task<UnsubscribeTarget?> UnsubscribeAsync(string token, string reason);
}
