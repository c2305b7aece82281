using Orleans.Configuration;
using Orleans.Dashboard;
using Sendora.Silo.Hosting;

namespace Sendora.Gateway.Hosting;

/// <summary>Connects the gateway to the Orleans cluster, as a client or by hosting a silo itself.</summary>
public static class OrleansHostingExtensions
{
    public static WebApplicationBuilder AddSendoraCluster(this WebApplicationBuilder builder)
    {
        var gateway = builder.Configuration.GetSection(GatewayOptions.SectionName).Get<GatewayOptions>() ?? new();
        if (gateway.HostSilo)
        {
            builder.AddSendoraSilo();
            return builder;
        }

        var host = SiloHostingExtensions.ReadHostOptions(builder.Configuration);
        if (host.Storage is not (StorageKind.AzureStorage or StorageKind.Redis))
        {
            throw new InvalidOperationException(
                $"A gateway without its own silo finds the cluster through the membership table in Azure Table storage " +
                $"or Redis, but Sendora:Storage is {host.Storage}. Set Sendora:Storage to AzureStorage or Redis, or " +
                "Sendora:Gateway:HostSilo=true to run a silo in this process.");
        }

        var deadline = DateTimeOffset.UtcNow + gateway.ClusterConnectTimeout;
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = host.Cluster.ClusterId;
                cluster.ServiceId = host.Cluster.ServiceId;
            });
            if (host.Storage == StorageKind.Redis)
            {
                client.UseRedisClustering(o => o.ConfigurationOptions = RedisConnection.CreateOptions(host.Redis));
            }
            else
            {
                client.UseAzureStorageClustering(o =>
                    o.TableServiceClient = AzureStorageClients.CreateTableServiceClient(host.AzureStorage));
            }

            if (host.Dashboard.Enabled)
            {
                // The pages and their data calls run here. The silos host the grains they call.
                client.AddDashboard();
            }

            // A silo that restarts comes back with a new generation; a short refresh finds it within seconds.
            client.Configure<Orleans.Configuration.GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
            client.UseConnectionRetryFilter(async (exception, cancellationToken) =>
            {
                if (DateTimeOffset.UtcNow > deadline)
                {
                    return false;
                }

                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                return true;
            });
        });
        return builder;
    }
}
