using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Sendora.Grains.Profiles;
using Sendora.Silo.Hosting;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Grains;

/// <summary>
/// One in-process Orleans test cluster with Sendora's grain storage, reminders and streams on the storage that the
/// derived fixture names, and small profile limits so that tests can reach them. The test cluster keeps its own
/// membership, and its random service id keeps each fixture's state apart in the shared Azurite and redis-server.
/// </summary>
public abstract class ProfileClusterFixture(StorageKind storage) : IAsyncLifetime
{
    public const int RecentEventLimit = 5;

    /// <summary>The lowest value that <see cref="ProfileOptions.MaxRememberedMessageIds"/> allows.</summary>
    public const int MaxRememberedMessageIds = 100;

    /// <summary>
    /// Short, so that a test that waits a few seconds between calls finds the state packed and its next call unpacks it.
    /// </summary>
    public static readonly TimeSpan PackAfterIdle = TimeSpan.FromSeconds(1);

    private TestCluster? _cluster;

    public TestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(initialSilosCount: 1);
        builder.Properties["Sendora:Storage"] = storage.ToString();
        switch (storage)
        {
            case StorageKind.AzureStorage:
                builder.Properties["Sendora:AzureStorage:ConnectionString"] = await Azurite.GetSharedConnectionStringAsync();

                // Stream queues are named by this prefix alone, so clusters sharing an Azurite each need their own.
                builder.Properties["Sendora:AzureStorage:StreamQueuePrefix"] = "grains-" + Guid.NewGuid().ToString("N")[..12];
                break;
            case StorageKind.Redis:
                builder.Properties["Sendora:Redis:ConnectionString"] = await RedisServer.GetSharedConnectionStringAsync();
                break;
        }

        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Configure(builder);
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    /// <summary>Adds to the cluster after Sendora's storage, so that a derived fixture can replace what it registered.</summary>
    protected virtual void Configure(TestClusterBuilder builder)
    {
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>Adds Sendora's storage from the cluster's properties, keeping the test cluster's membership and ids.</summary>
    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddSendoraStorage(SiloHostingExtensions.ReadHostOptions(siloBuilder.Configuration));
            siloBuilder.Services.AddSendoraGrainOptions();
            siloBuilder.Services.Configure<ProfileOptions>(options =>
            {
                options.RecentEventLimit = RecentEventLimit;
                options.MaxRememberedMessageIds = MaxRememberedMessageIds;
                options.PackAfterIdle = PackAfterIdle;
            });
        }
    }
}

/// <summary>A test cluster on Azure Table storage and Azure Queue streams, in the shared Azurite.</summary>
public sealed class AzureStorageClusterFixture() : ProfileClusterFixture(StorageKind.AzureStorage);

/// <summary>A test cluster on Redis storage and memory streams, in the shared redis-server.</summary>
public sealed class RedisClusterFixture() : ProfileClusterFixture(StorageKind.Redis);
