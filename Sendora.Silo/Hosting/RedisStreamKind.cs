namespace Sendora.Silo.Hosting;

/// <summary>Which Orleans stream provider a silo on Redis storage runs, chosen by <c>Sendora:Redis:Streams</c>.</summary>
public enum RedisStreamKind
{
    /// <summary>
    /// Memory streams: Redis is the only service the cluster needs. Items not yet delivered when a silo dies are
    /// lost, so a consumer catches up from the audience's log.
    /// </summary>
    Memory,

    /// <summary>
    /// Azure Queue streams on <c>Sendora:AzureStorage</c>: queued items survive a silo crash, at the cost of running
    /// Azure Storage (Azurite locally) beside Redis.
    /// </summary>
    AzureQueue,
}
