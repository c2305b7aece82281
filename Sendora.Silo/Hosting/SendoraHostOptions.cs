using System.ComponentModel.DataAnnotations;

namespace Sendora.Silo.Hosting;

/// <summary>Storage and cluster settings shared by silos and gateways, bound from <c>Sendora</c>.</summary>
public sealed class SendoraHostOptions
{
    public const string SectionName = "Sendora";

    /// <summary>Which storage the cluster uses. Default <see cref="StorageKind.AzureStorage"/>.</summary>
    public StorageKind Storage { get; set; } = StorageKind.AzureStorage;

    [Required]
    public AzureStorageSettings AzureStorage { get; set; } = new();

    [Required]
    public RedisSettings Redis { get; set; } = new();

    [Required]
    public ClusterSettings Cluster { get; set; } = new();

    /// <summary>
    /// Whether the cluster reaches Azure Storage: for all of its storage, or for the streams beside Redis.
    /// </summary>
    public bool UsesAzureStorage => Storage == StorageKind.AzureStorage
        || (Storage == StorageKind.Redis && Redis.Streams == RedisStreamKind.AzureQueue);

    [Required]
    public DashboardSettings Dashboard { get; set; } = new();
}

/// <summary>The Orleans Dashboard, bound from <c>Sendora:Dashboard</c>.</summary>
public sealed class DashboardSettings
{
    /// <summary>
    /// Adds the Orleans Dashboard to silos, and to gateways under <c>/admin/dashboard</c>. Default true. Silos and
    /// gateways of one cluster need the same value, because a gateway's dashboard reads grains and grain services
    /// that only silos with the dashboard host.
    /// </summary>
    public bool Enabled { get; set; } = true;
}

/// <summary>How to reach Azure Storage, bound from <c>Sendora:AzureStorage</c>.</summary>
public sealed class AzureStorageSettings
{
    /// <summary>Azurite on 127.0.0.1 ports 10000 (blob), 10001 (queue) and 10002 (table).</summary>
    public const string DevelopmentConnectionString = "UseDevelopmentStorage=true";

    /// <summary>
    /// The storage account's connection string. Set either this or <see cref="TableServiceUri"/> with
    /// <see cref="QueueServiceUri"/>, not both. When none of them is set, the connection string is
    /// <see cref="DevelopmentConnectionString"/>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// The table service endpoint, such as <c>https://{account}.table.core.windows.net</c>, reached with a Microsoft
    /// Entra ID token instead of an account key. Needs <see cref="QueueServiceUri"/> too. Default empty.
    /// </summary>
    public Uri? TableServiceUri { get; set; }

    /// <summary>
    /// The queue service endpoint, such as <c>https://{account}.queue.core.windows.net</c>, reached with a Microsoft
    /// Entra ID token. Needs <see cref="TableServiceUri"/> too. Default empty.
    /// </summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary>
    /// The client id of the user-assigned managed identity that requests tokens for the service URIs. Default empty:
    /// <c>DefaultAzureCredential</c> tries environment variables, a system-assigned identity and developer
    /// sign-ins in turn.
    /// </summary>
    public string? ManagedIdentityClientId { get; set; }

    /// <summary>How long the start-up check waits for each storage endpoint. Default 10 seconds.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The table that holds grain state. Default <c>SendoraGrainState</c>.</summary>
    [Required]
    public string GrainStateTable { get; set; } = "SendoraGrainState";

    /// <summary>The prefix of the queues behind streams. Default <c>sendora-stream</c>.</summary>
    [Required]
    public string StreamQueuePrefix { get; set; } = "sendora-stream";

    /// <summary>How many queues carry streams. Default 4.</summary>
    [Range(1, 64)]
    public int StreamQueueCount { get; set; } = 4;
}

/// <summary>Identity and endpoints of the Orleans cluster, bound from <c>Sendora:Cluster</c>.</summary>
public sealed class ClusterSettings
{
    /// <summary>The cluster's id: silos and gateways with the same id form one cluster. Default <c>sendora-local</c>.</summary>
    [Required]
    public string ClusterId { get; set; } = "sendora-local";

    /// <summary>The service's id, which scopes stored grain state. Default <c>sendora</c>.</summary>
    [Required]
    public string ServiceId { get; set; } = "sendora";

    /// <summary>The port silos talk to each other on. Default 11111.</summary>
    [Range(0, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>The port gateways connect to as Orleans clients. Default 30000.</summary>
    [Range(0, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// The address a silo advertises to the cluster and listens on. Default 127.0.0.1. Empty: Orleans picks a
    /// non-loopback address of the host, as a container needs.
    /// </summary>
    public string AdvertisedAddress { get; set; } = "127.0.0.1";
}
