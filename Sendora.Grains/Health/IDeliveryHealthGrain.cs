using Orleans.Concurrency;

namespace Sendora.Grains.Health;

/// <summary>
/// The delivery success of one channel of one workspace, keyed <c>{workspaceId}/{channel}</c>: final statuses per
/// minute over the last hour, and the channel's delivery alert.
/// </summary>
public interface IDeliveryHealthGrain : IGrainWithStringKey
{
    /// <summary>Counts a delivery that reached the final <paramref name="status"/> at <paramref name="at"/> and checks the alert.</summary>
    Task RecordAsync(string status, DateTimeOffset at);

    /// <summary>Returns the last hour's counts and the alert state.</summary>
    [ReadOnly]
    Task<DeliveryHealthReport> GetAsync();
}
