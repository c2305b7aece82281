namespace Sendora.Silo.Hosting;

/// <summary>Where grain state, reminders and cluster membership live, chosen by <c>Sendora:Storage</c>.</summary>
public enum StorageKind
{
    /// <summary>Azure Table storage and Azure Queue streams: Azurite locally, Azure Storage in the cloud.</summary>
    AzureStorage,

    /// <summary>In-process memory, for tests only: everything is lost when the process stops.</summary>
    Memory,

    /// <summary>
    /// Redis for grain state, reminders and cluster membership, with memory or Azure Queue streams as
    /// <c>Sendora:Redis:Streams</c> chooses.
    /// </summary>
    Redis,
}
