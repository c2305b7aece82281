using System.Net;
using Azure.Data.Tables;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sendora.Grains;
using Sendora.Grains.Admin.Audit;
using Sendora.Grains.Audiences;
using Sendora.Grains.Channels;
using Sendora.Grains.Health;
using Sendora.Grains.Ingestion;
using Sendora.Grains.Profiles;
using Sendora.Grains.Sync;

namespace Sendora.Silo.Hosting;

/// <summary>Registers a Sendora silo: storage, clustering, reminders, streams and grain options.</summary>
public static class SiloHostingExtensions
{
    /// <summary>Adds a silo to <paramref name="builder"/>, configured from its <c>Sendora</c> section.</summary>
    public static IHostApplicationBuilder AddSendoraSilo(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = ReadHostOptions(builder.Configuration);
        builder.Services.AddSendoraGrainOptions();
        builder.Services.AddHostedService<ChannelSettingsReport>();

        // A silo whose storage is gone would otherwise retry its way out of the cluster for minutes.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.UseOrleans(silo =>
        {
            silo.ConfigureSendoraSilo(options);
            if (options.Dashboard.Enabled)
            {
                // This adds the dashboard's grains, a grain service per silo and a filter that times every grain call.
                // Gateways serve the pages.
                silo.AddDashboard();
            }

            if (options.Storage == StorageKind.Memory)
            {
                // Memory storage has no membership table, so the silo forms a cluster of one on loopback, on the
                // configured ports. Test clusters call ConfigureSendoraSilo alone and keep their own clustering.
                silo.UseLocalhostClustering(
                    options.Cluster.SiloPort, options.Cluster.GatewayPort,
                    serviceId: options.Cluster.ServiceId, clusterId: options.Cluster.ClusterId);
            }
        });
        return builder;
    }

    /// <summary>Binds and validates the options that grains read.</summary>
    public static IServiceCollection AddSendoraGrainOptions(this IServiceCollection services)
    {
        services.AddOptions<ProfileOptions>().BindConfiguration(ProfileOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SourceHealthOptions>().BindConfiguration(SourceHealthOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<HealthOptions>().BindConfiguration(HealthOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.CheckInterval > TimeSpan.Zero, "Sendora:Health:CheckInterval must be more than zero.")
            .Validate(o => string.IsNullOrWhiteSpace(o.AlertWebhookUrl)
                           || (Uri.TryCreate(o.AlertWebhookUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"),
                "Sendora:Health:AlertWebhookUrl must be an absolute http or https URL.")
            .Validate<IOptions<ChannelOptions>>(
                (o, channels) => string.IsNullOrWhiteSpace(o.AlertWebhookUrl) || !string.IsNullOrEmpty(o.AlertWebhookSecret)
                                 || !string.IsNullOrEmpty(channels.Value.Webhook.SigningSecret),
                "Sendora:Health:AlertWebhookUrl is set but no secret signs its requests: set Sendora:Health:AlertWebhookSecret.")
            .ValidateOnStart();
        services.AddOptions<AudienceOptions>().BindConfiguration(AudienceOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SyncOptions>().BindConfiguration(SyncOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.CommandTimeout >= TimeSpan.FromSeconds(1), "Sendora:Sync:CommandTimeout must be at least 1 second.")
            .ValidateOnStart();
        services.AddOptions<ChannelOptions>().BindConfiguration(ChannelOptions.SectionName)
            .PostConfigure<IConfiguration>((o, configuration) =>
                o.UnsubscribeBaseUrl ??= configuration["Sendora:Gateway:PublicUrl"])
            .ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChannelOptions>, ChannelOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TemplateRenderer>();
        services.TryAddSingleton<EmailSender>();
        services.TryAddSingleton<WebhookSender>();
        services.TryAddSingleton<PushSender>();
        services.TryAddSingleton<UnsubscribeTokens>();
        services.TryAddSingleton<DeliverySenders>();
        return services;
    }

    /// <summary>Reads the <c>Sendora</c> section, failing with the key to fix when a value is invalid.</summary>
    public static SendoraHostOptions ReadHostOptions(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = new SendoraHostOptions();
        try
        {
            configuration.GetSection(SendoraHostOptions.SectionName).Bind(options);
        }
        catch (InvalidOperationException exception)
        {
            throw new InvalidOperationException(
                $"Invalid value in the Sendora configuration section: {exception.InnerException?.Message ?? exception.Message} " +
                $"Sendora:Storage must be one of: {string.Join(", ", Enum.GetNames<StorageKind>())}.",
                exception);
        }

        if (options.Storage == StorageKind.AzureStorage)
        {
            AzureStorageClients.EnsureValid(options.AzureStorage);
        }

        return options;
    }

    /// <summary>Configures <paramref name="silo"/> for the storage that <paramref name="options"/> names.</summary>
    public static ISiloBuilder ConfigureSendoraSilo(this ISiloBuilder silo, SendoraHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        silo.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = options.Cluster.ClusterId;
            cluster.ServiceId = options.Cluster.ServiceId;
        });
        silo.Services.AddSingleton<IGrainStorageSerializer, OrleansGrainStorageSerializer>();

        switch (options.Storage)
        {
            case StorageKind.AzureStorage:
                ConfigureEndpoints(silo, options.Cluster);
                ConfigureAzureStorage(silo, options.AzureStorage);
                break;
            case StorageKind.Memory:
                silo.Services.AddHostedService<MemoryStorageWarning>();
                silo.AddMemoryGrainStorage(SendoraNames.GrainStorage);
                silo.AddMemoryGrainStorage(SendoraNames.PubSubStorage);
                silo.UseInMemoryReminderService();
                silo.AddMemoryStreams(SendoraNames.StreamProvider);
                break;
            default:
                throw new InvalidOperationException($"Sendora:Storage has the unknown value '{options.Storage}'.");
        }

        return silo;
    }

    private static void ConfigureEndpoints(ISiloBuilder silo, ClusterSettings cluster)
    {
        silo.Configure<EndpointOptions>(endpoints =>
        {
            if (string.IsNullOrWhiteSpace(cluster.AdvertisedAddress))
            {
                // Orleans then picks a non-loopback address of this host to advertise and listen on, which suits a
                // container whose address is known only once it starts.
                endpoints.SiloPort = cluster.SiloPort;
                endpoints.GatewayPort = cluster.GatewayPort;
                return;
            }

            endpoints.AdvertisedIPAddress = IPAddress.Parse(cluster.AdvertisedAddress);
            endpoints.SiloPort = cluster.SiloPort;
            endpoints.GatewayPort = cluster.GatewayPort;
            endpoints.SiloListeningEndpoint = new IPEndPoint(IPAddress.Parse(cluster.AdvertisedAddress), cluster.SiloPort);
            endpoints.GatewayListeningEndpoint =
                new IPEndPoint(IPAddress.Parse(cluster.AdvertisedAddress), cluster.GatewayPort);
        });
    }

    private static void ConfigureAzureStorage(ISiloBuilder silo, AzureStorageSettings azure)
    {
        // One client per service for the whole silo: the Azure SDK clients are thread-safe and pool connections.
        var tables = AzureStorageClients.CreateTableServiceClient(azure);
        var queues = AzureStorageClients.CreateQueueServiceClient(azure);
        silo.UseAzureStorageClustering(o => o.TableServiceClient = tables);
        silo.UseAzureTableReminderService(o => o.TableServiceClient = tables);
        silo.AddAzureTableGrainStorage(SendoraNames.GrainStorage, o =>
        {
            o.TableServiceClient = tables;
            o.TableName = azure.GrainStateTable;
        });
        silo.AddAzureTableGrainStorage(SendoraNames.PubSubStorage, o =>
        {
            o.TableServiceClient = tables;
            o.TableName = azure.GrainStateTable;
        });
        silo.AddAzureQueueStreams(SendoraNames.StreamProvider, configurator =>
        {
            configurator.ConfigureAzureQueue(ob => ob.Configure(o =>
            {
                o.QueueServiceClient = queues;
                o.QueueNames = [.. Enumerable.Range(0, azure.StreamQueueCount).Select(i => $"{azure.StreamQueuePrefix}-{i}")];
            }));
        });
    }
}
