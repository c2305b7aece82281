using System.ComponentModel.DataAnnotations;
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
using Orleans.Serialization.Serializers;
using Orleans.Runtime.Hosting;
using Orleans.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Sendora.Grains;
using StackExchange.Redis;
using Sendora.Grains.Admin.Audit;
using Sendora.Grains.Audiences;
using Sendora.Grains.Channels;
using Sendora.Grains.Destinations;
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
        builder.Services.AddOptions<MemoryTrimOptions>().BindConfiguration(MemoryTrimOptions.SectionName)
            .Validate(o => o.CheckInterval > TimeSpan.Zero && o.CheckInterval <= TimeSpan.FromDays(1),
                "Sendora:Memory:CheckInterval must be more than zero and at most 1.00:00:00.")
            .Validate(o => o.QuietAllocationRate >= 0, "Sendora:Memory:QuietAllocationRate must be zero or more bytes per second.")
            .Validate(o => o.MinAllocatedSinceTrim >= 0, "Sendora:Memory:MinAllocatedSinceTrim must be zero or more bytes.")
            .ValidateOnStart();
        builder.Services.AddSingleton<MemoryTrimmer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MemoryTrimmer>());

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
                // configured ports. Test clusters call AddSendoraStorage alone and keep their own clustering.
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
        services.TryAddSingleton<AudienceCatalogCache>();
        services.AddOptions<ProfileOptions>().BindConfiguration(ProfileOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.PackAfterIdle <= ProfileOptions.MaxPackAfterIdle,
                $"Sendora:Profiles:PackAfterIdle must be at most {ProfileOptions.MaxPackAfterIdle:c}; zero or less turns packing off.")
            .ValidateOnStart();
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
        services.AddOptions<DestinationOptions>().BindConfiguration(DestinationOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => o.MaxBatchAge >= TimeSpan.Zero, "Sendora:Destinations:MaxBatchAge must not be negative.")
            .Validate(o => o.Timeout > TimeSpan.Zero, "Sendora:Destinations:Timeout must be more than zero.")
            .Validate(o => o.RetryPeriod >= TimeSpan.Zero, "Sendora:Destinations:RetryPeriod must not be negative.")
            .Validate(o => o.InitialRetryDelay > TimeSpan.Zero && o.MaxRetryDelay >= o.InitialRetryDelay,
                "Sendora:Destinations:InitialRetryDelay must be more than zero and at most Sendora:Destinations:MaxRetryDelay.")
            .ValidateOnStart();
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
            // The binder's own message names the key that failed, such as 'Sendora:Redis:Streams'.
            var choices = exception.Message.Contains("Sendora:Redis:Streams", StringComparison.OrdinalIgnoreCase)
                ? $"Sendora:Redis:Streams must be one of: {string.Join(", ", Enum.GetNames<RedisStreamKind>())}."
                : $"Sendora:Storage must be one of: {string.Join(", ", Enum.GetNames<StorageKind>())}.";
            throw new InvalidOperationException(
                $"Invalid value in the Sendora configuration section: {exception.InnerException?.Message ?? exception.Message} " +
                choices,
                exception);
        }

        EnsureValid(options.Cluster);
        if (options.Storage == StorageKind.Redis)
        {
            RedisConnection.EnsureValid(options.Redis);
        }

        if (options.UsesAzureStorage)
        {
            AzureStorageClients.EnsureValid(options.AzureStorage);
        }

        return options;
    }

    /// <summary>
    /// Configures <paramref name="silo"/> for the storage that <paramref name="options"/> names: its cluster
    /// membership and endpoints, then what <see cref="AddSendoraStorage"/> adds. Memory storage has no membership
    /// table, so its caller chooses the clustering.
    /// </summary>
    public static ISiloBuilder ConfigureSendoraSilo(this ISiloBuilder silo, SendoraHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        silo.Configure<ClusterOptions>(cluster =>
        {
            cluster.ClusterId = options.Cluster.ClusterId;
            cluster.ServiceId = options.Cluster.ServiceId;
        });
        ConfigureMembership(silo, options.Cluster);

        // Orleans' strongly consistent directory replaces the default one for every grain type, so that no two
        // activations of one profile exist while the cluster's membership changes. Orleans' TestCluster registers
        // the same directory as its default, which this call then leaves in place.
#pragma warning disable ORLEANSEXP003 // Experimental in Orleans 10.
        silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003

        switch (options.Storage)
        {
            case StorageKind.AzureStorage:
                ConfigureEndpoints(silo, options.Cluster);
                var tables = AzureStorageClients.CreateTableServiceClient(options.AzureStorage);
                silo.UseAzureStorageClustering(o => o.TableServiceClient = tables);
                break;
            case StorageKind.Redis:
                ConfigureEndpoints(silo, options.Cluster);
                silo.UseRedisClustering(o => o.ConfigurationOptions = RedisConnection.CreateOptions(options.Redis));
                break;
            case StorageKind.Memory:
                break;
            default:
                throw new InvalidOperationException($"Sendora:Storage has the unknown value '{options.Storage}'.");
        }

        return silo.AddSendoraStorage(options);
    }

    /// <summary>
    /// Adds grain storage, reminders and streams for the storage that <paramref name="options"/> names, but
    /// neither clustering nor endpoints, so that a test cluster keeps its own.
    /// </summary>
    public static ISiloBuilder AddSendoraStorage(this ISiloBuilder silo, SendoraHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        silo.Services.AddSingleton<PooledStorageSerializer>();
        silo.Services.AddSingleton<IGrainStorageSerializer>(services => services.GetRequiredService<PooledStorageSerializer>());
        switch (options.Storage)
        {
            case StorageKind.AzureStorage:
                ConfigureAzureStorage(silo, options.AzureStorage);
                AddAzureQueueStreams(silo, options.AzureStorage);
                break;
            case StorageKind.Redis:
                ConfigureRedisStorage(silo, options.Redis);
                if (options.Redis.Streams == RedisStreamKind.AzureQueue)
                {
                    AddAzureQueueStreams(silo, options.AzureStorage);
                }
                else
                {
                    silo.AddMemoryStreams(SendoraNames.StreamProvider);
                }

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

    private static void ConfigureMembership(ISiloBuilder silo, ClusterSettings cluster)
    {
        silo.Configure<ClusterMembershipOptions>(membership =>
        {
            membership.ProbeTimeout = cluster.ProbeTimeout;
            membership.NumMissedProbesLimit = cluster.NumMissedProbesLimit;
            membership.DeathVoteExpirationTimeout = cluster.DeathVoteExpirationTimeout;
            membership.IAmAliveTablePublishTimeout = cluster.IAmAliveTablePublishTimeout;
        });
    }

    private static void EnsureValid(ClusterSettings cluster)
    {
        var errors = new List<ValidationResult>();
        if (Validator.TryValidateObject(cluster, new ValidationContext(cluster), errors, validateAllProperties: true))
        {
            return;
        }

        var messages = errors.Select(error =>
            $"Sendora:Cluster:{string.Join(", ", error.MemberNames)}: {error.ErrorMessage}");
        throw new InvalidOperationException("Invalid cluster settings. " + string.Join(" ", messages));
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
        // One client for grain state and reminders: the Azure SDK clients are thread-safe and pool connections.
        var tables = AzureStorageClients.CreateTableServiceClient(azure);
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
    }

    private static void AddAzureQueueStreams(ISiloBuilder silo, AzureStorageSettings azure)
    {
        var queues = AzureStorageClients.CreateQueueServiceClient(azure);
        silo.AddAzureQueueStreams(SendoraNames.StreamProvider, configurator =>
        {
            configurator.ConfigureAzureQueue(ob => ob.Configure(o =>
            {
                o.QueueServiceClient = queues;
                o.QueueNames = [.. Enumerable.Range(0, azure.StreamQueueCount).Select(i => $"{azure.StreamQueuePrefix}-{i}")];
            }));
        });
    }

    private static void ConfigureRedisStorage(ISiloBuilder silo, RedisSettings redis)
    {
        // Each provider opens its own multiplexer from its own options. Grain state keys start with the service id,
        // so clusters with different service ids can share one Redis database.
        silo.UseRedisReminderService(o => o.ConfigurationOptions = RedisConnection.CreateOptions(redis));
        silo.Services.AddGrainStorage(SendoraNames.GrainStorage, (services, _) => new RedisStateStorage(
            async () => await ConnectionMultiplexer.ConnectAsync(RedisConnection.CreateOptions(redis)),
            redis.StorageConnections,
            services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId,
            services.GetRequiredService<PooledStorageSerializer>(),
            services.GetRequiredService<IActivatorProvider>(),
            services.GetRequiredService<ILogger<RedisStateStorage>>()));
        silo.AddRedisGrainStorage(SendoraNames.PubSubStorage,
            o => o.ConfigurationOptions = RedisConnection.CreateOptions(redis));
    }
}
