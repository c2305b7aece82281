using Orleans.Concurrency;

namespace Sendora.Grains.Health;

/// <summary>
/// The alerts of one workspace, keyed by workspace id. Each change of an alert between open and resolved is
/// stored once and, when <c>Sendora:Health:AlertWebhookUrl</c> is set, POSTed to it with retries.
/// </summary>
public interface IAlertGrain : IGrainWithStringKey
{
    /// <summary>
    /// Opens the alert of the measurement's kind and subject, or updates its values when it is already open.
    /// Returns the alert.
    /// </summary>
    Task<AlertRecord> OpenAsync(AlertMeasurement measurement);

    /// <summary>Resolves the open alert of the measurement's kind and subject. Returns null when none is open.</summary>
    Task<AlertRecord?> ResolveAsync(AlertMeasurement measurement);

    /// <summary>Returns the open alerts, newest first, then the kept resolved ones, most recently resolved first.</summary>
    [ReadOnly]
    Task<IReadOnlyList<AlertRecord>> ListAsync();
}
