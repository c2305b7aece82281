using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Sendora.Grains.Profiles;
using Sendora.Silo.Hosting;

namespace Sendora.Tests.Grains;

/// <summary>
/// One in-process Orleans test cluster with Sendora's silo configuration on memory storage, and
/// small profile limits so that tests can reach them.
/// </summary>
public sealed class ProfileClusterFixture : IAsyncLifetime
{
    public const int RecentEventLimit = 5;

    /// <summary>The lowest value that <see cref="ProfileOptions.MaxRememberedMessageIds"/> allows.</summary>
    public const int MaxRememberedMessageIds = 100;

    private TestCluster? _cluster;

    public TestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public IGrainFactory Grains => Cluster.GrainFactory;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(initialSilosCount: 1);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.StopAllSilosAsync();
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>Applies Sendora's silo setup, keeping the cluster and service ids that the test cluster chose.</summary>
    public sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var configuration = siloBuilder.Configuration;
            siloBuilder.ConfigureSendoraSilo(new SendoraHostOptions
            {
                Storage = StorageKind.Memory,
                Cluster = new ClusterSettings
                {
                    ClusterId = configuration["Orleans:ClusterId"] ?? new ClusterSettings().ClusterId,
                    ServiceId = configuration["Orleans:ServiceId"] ?? new ClusterSettings().ServiceId,
                },
            });
            siloBuilder.Services.AddSendoraGrainOptions();
            siloBuilder.Services.Configure<ProfileOptions>(options =>
            {
                options.RecentEventLimit = RecentEventLimit;
                options.MaxRememberedMessageIds = MaxRememberedMessageIds;
            });
        }
    }
}
