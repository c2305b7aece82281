using System.Reflection;
using Microsoft.Extensions.Configuration;
using Sendora.Gateway.Hosting;
using Sendora.Silo.Hosting;

namespace Sendora.Tests.Deployment;

/// <summary>
/// Checks azure.yaml, the Dockerfiles and the Bicep against the code without Docker or Azure: the files exist, the
/// images publish projects of the solution, and every setting the Bicep passes is one the hosts read and accept.
/// </summary>
public sealed class DeploymentTests
{
    private static readonly string[] ServiceNames = ["silo", "gateway"];

    // The settings each app needs to start against Azure Storage with a managed identity and join one cluster.
    private static readonly string[] ClusterSettings =
    [
        "Sendora__Storage",
        "Sendora__AzureStorage__TableServiceUri",
        "Sendora__AzureStorage__QueueServiceUri",
        "Sendora__AzureStorage__ManagedIdentityClientId",
        "Sendora__Cluster__ClusterId",
        "Sendora__Cluster__ServiceId",
    ];

    private static readonly Dictionary<string, string[]> RequiredSettings = new(StringComparer.Ordinal)
    {
        ["silo"] = [.. ClusterSettings, "Sendora__Cluster__AdvertisedAddress"],
        ["gateway"] = [.. ClusterSettings, "Sendora__Gateway__HostSilo", "Sendora__Gateway__AdminToken"],
    };

    [Fact]
    public void AzureYaml_NamesBothServices()
    {
        var services = DeploymentFiles.ReadServices();

        Assert.Equal(ServiceNames.Order(), services.Keys.Order());
    }

    [Theory]
    [InlineData("silo", "Sendora.Silo")]
    [InlineData("gateway", "Sendora.Gateway")]
    public void AzureYamlService_PointsAtProjectAndDockerfile(string name, string project)
    {
        var service = DeploymentFiles.ReadServices()[name];
        var projectDirectory = Path.GetFullPath(Path.Combine(DeploymentFiles.Root, service.Project));

        Assert.Equal("containerapp", service.Host);
        Assert.Equal("dotnet", service.Language);
        Assert.Equal(Path.Combine(DeploymentFiles.Root, project), projectDirectory);
        Assert.True(File.Exists(Path.Combine(projectDirectory, project + ".csproj")), $"{project}.csproj is missing.");
        Assert.True(File.Exists(Path.Combine(projectDirectory, service.DockerPath)),
            $"The Dockerfile {service.DockerPath} of {name} is missing.");
        Assert.Equal(DeploymentFiles.Root, Path.GetFullPath(Path.Combine(projectDirectory, service.DockerContext)));
    }

    [Theory]
    [InlineData("silo")]
    [InlineData("gateway")]
    public void Dockerfile_BuildStagePublishesSolutionProject(string name)
    {
        var service = DeploymentFiles.ReadServices()[name];
        var dockerfile = File.ReadAllLines(Path.Combine(DeploymentFiles.Root, service.Project, service.DockerPath));
        var stages = SplitStages(dockerfile);
        var solution = File.ReadAllText(Path.Combine(DeploymentFiles.Root, "Sendora.sln")).Replace('\\', '/');

        Assert.Equal(2, stages.Count);
        var build = stages[0];
        Assert.Matches(@"^FROM mcr\.microsoft\.com/dotnet/sdk:10\.0 AS build$", build[0]);
        var publish = Assert.Single(build, line => line.StartsWith("RUN dotnet publish ", StringComparison.Ordinal));
        var published = publish.Split(' ')[3];
        Assert.EndsWith(".csproj", published);
        Assert.Contains($"\"{published}\"", solution);
        Assert.True(File.Exists(Path.Combine(DeploymentFiles.Root, published)), $"{published} is missing.");
        var projectFolder = published.Split('/')[0] + "/";
        Assert.Contains(build, line => line.StartsWith($"COPY {projectFolder} ", StringComparison.Ordinal));

        var runtime = stages[1];
        Assert.Matches(@"^FROM mcr\.microsoft\.com/dotnet/aspnet:10\.0", runtime[0]);
        Assert.Contains("COPY --from=build /app .", runtime);
        var user = Assert.Single(runtime, line => line.StartsWith("USER ", StringComparison.Ordinal));
        Assert.DoesNotContain("root", user);
        Assert.Contains(runtime, line => line.Contains(Path.GetFileNameWithoutExtension(published) + ".dll",
            StringComparison.Ordinal) && line.StartsWith("ENTRYPOINT", StringComparison.Ordinal));
    }

    [Fact]
    public void BicepEnvironment_NamesOnlySettingsTheCodeReads()
    {
        var names = DeploymentFiles.ReadAllEnvironmentNames()
            .Where(name => name.StartsWith("Sendora__", StringComparison.Ordinal));

        Assert.NotEmpty(names);
        foreach (var name in names)
        {
            Assert.True(BindsToOption(name), $"{name} is set in infra/ but no options class has that setting.");
        }
    }

    [Theory]
    [InlineData("silo")]
    [InlineData("gateway")]
    public void BicepEnvironment_SetsRequiredSettings(string service)
    {
        var names = DeploymentFiles.ReadEnvironment(service).Select(setting => setting.Name).ToHashSet();

        foreach (var required in RequiredSettings[service])
        {
            Assert.True(names.Contains(required), $"infra/main.bicep does not set {required} on the {service} app.");
        }

        Assert.DoesNotContain("Sendora__AzureStorage__ConnectionString", names);
    }

    [Fact]
    public void BicepEnvironment_PassesAdminTokenAsSecret()
    {
        var token = Assert.Single(DeploymentFiles.ReadEnvironment("gateway"),
            setting => setting.Name == "Sendora__Gateway__AdminToken");

        Assert.True(token.IsSecret, "The admin token must come from a Container Apps secret, not a plain value.");
    }

    [Theory]
    [InlineData("silo")]
    [InlineData("gateway")]
    public void BicepEnvironment_PassesStartupValidation(string service)
    {
        var configuration = ConfigurationFor(service);

        var host = SiloHostingExtensions.ReadHostOptions(configuration);

        Assert.Equal(StorageKind.AzureStorage, host.Storage);
        Assert.Empty(AzureStorageClients.Validate(host.AzureStorage));
        Assert.Null(host.AzureStorage.ConnectionString);
        Assert.NotNull(host.AzureStorage.TableServiceUri);
        Assert.NotNull(host.AzureStorage.QueueServiceUri);
        if (service == "gateway")
        {
            var gateway = configuration.GetSection(GatewayOptions.SectionName).Get<GatewayOptions>();
            Assert.NotNull(gateway);
            Assert.False(gateway.HostSilo);
            Assert.True(new GatewayOptionsValidator().Validate(null, gateway).Succeeded);
        }
        else
        {
            Assert.Equal(string.Empty, host.Cluster.AdvertisedAddress);
        }
    }

    [Fact]
    public void ManagedIdentitySettings_CreateClientsForServiceUris()
    {
        var settings = ManagedIdentitySettings();

        Assert.Empty(AzureStorageClients.Validate(settings));
        Assert.Equal(settings.TableServiceUri, AzureStorageClients.CreateTableServiceClient(settings).Uri);
        Assert.Equal(settings.QueueServiceUri, AzureStorageClients.CreateQueueServiceClient(settings).Uri);
    }

    [Fact]
    public void NoStorageSettings_UseAzurite()
    {
        var settings = new AzureStorageSettings();

        Assert.Empty(AzureStorageClients.Validate(settings));
        Assert.Equal(10002, AzureStorageClients.CreateTableServiceClient(settings).Uri.Port);
        Assert.Equal(10001, AzureStorageClients.CreateQueueServiceClient(settings).Uri.Port);
    }

    [Fact]
    public void ConnectionStringAndUris_AreRejected()
    {
        var settings = ManagedIdentitySettings();
        settings.ConnectionString = AzureStorageSettings.DevelopmentConnectionString;

        var failure = Assert.Single(AzureStorageClients.Validate(settings));

        Assert.Contains("Sendora:AzureStorage:ConnectionString", failure);
        Assert.Contains("Sendora:AzureStorage:TableServiceUri", failure);
        Assert.Throws<InvalidOperationException>(() => AzureStorageClients.CreateTableServiceClient(settings));
    }

    [Fact]
    public void TableUriWithoutQueueUri_IsRejected()
    {
        var settings = ManagedIdentitySettings();
        settings.QueueServiceUri = null;

        var failure = Assert.Single(AzureStorageClients.Validate(settings));

        Assert.Contains("Sendora:AzureStorage:QueueServiceUri is missing", failure);
    }

    [Fact]
    public void ClientIdWithConnectionString_IsRejected()
    {
        var settings = new AzureStorageSettings
        {
            ConnectionString = AzureStorageSettings.DevelopmentConnectionString,
            ManagedIdentityClientId = "00000000-0000-0000-0000-000000000001",
        };

        var failure = Assert.Single(AzureStorageClients.Validate(settings));

        Assert.Contains("Sendora:AzureStorage:ManagedIdentityClientId", failure);
    }

    [Fact]
    public void RelativeServiceUri_IsRejected()
    {
        var settings = ManagedIdentitySettings();
        settings.TableServiceUri = new Uri("tables", UriKind.Relative);

        var failure = Assert.Single(AzureStorageClients.Validate(settings));

        Assert.Contains("Sendora:AzureStorage:TableServiceUri must be an absolute https URL", failure);
    }

    [Fact]
    public void ReadHostOptions_ConflictingStorage_NamesSettings()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sendora:AzureStorage:ConnectionString"] = AzureStorageSettings.DevelopmentConnectionString,
            ["Sendora:AzureStorage:TableServiceUri"] = "https://account.table.core.windows.net/",
        }).Build();

        var exception = Assert.Throws<InvalidOperationException>(
            () => SiloHostingExtensions.ReadHostOptions(configuration));

        Assert.Contains("Sendora:AzureStorage:ConnectionString", exception.Message);
        Assert.Contains("Sendora:AzureStorage:QueueServiceUri is missing", exception.Message);
    }

    [Fact]
    public void ReadHostOptions_MemoryStorage_SkipsAzureChecks()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Sendora:Storage"] = "Memory",
            ["Sendora:AzureStorage:TableServiceUri"] = "https://account.table.core.windows.net/",
        }).Build();

        var options = SiloHostingExtensions.ReadHostOptions(configuration);

        Assert.Equal(StorageKind.Memory, options.Storage);
    }

    private static AzureStorageSettings ManagedIdentitySettings() => new()
    {
        TableServiceUri = new Uri("https://account.table.core.windows.net/"),
        QueueServiceUri = new Uri("https://account.queue.core.windows.net/"),
        ManagedIdentityClientId = "00000000-0000-0000-0000-000000000001",
    };

    // Bicep expressions become sample values of the shape Azure returns, and secrets a token of the minimum length.
    private static IConfiguration ConfigurationFor(string service)
    {
        var samples = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["Sendora__AzureStorage__TableServiceUri"] = "https://stsendora.table.core.windows.net/",
            ["Sendora__AzureStorage__QueueServiceUri"] = "https://stsendora.queue.core.windows.net/",
            ["Sendora__AzureStorage__ManagedIdentityClientId"] = "00000000-0000-0000-0000-000000000001",
            ["Sendora__Cluster__ClusterId"] = "sendora-dev",
        };
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var setting in DeploymentFiles.ReadEnvironment(service))
        {
            var value = setting.IsSecret
                ? new string('t', GatewayOptionsValidator.MinTokenLength)
                : setting.Literal ?? (samples.TryGetValue(setting.Name, out var sample)
                    ? sample
                    : throw new InvalidOperationException(
                        $"No sample value for the Bicep expression of {setting.Name}: add one to the samples."));
            values[setting.Name.Replace("__", ":", StringComparison.Ordinal)] = value;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }

    // Walks the options classes the way the configuration binder does: one property per segment, case-insensitive.
    private static bool BindsToOption(string environmentName)
    {
        var segments = environmentName.Split("__");
        if (segments[0] != SendoraHostOptions.SectionName || segments.Length < 2)
        {
            return false;
        }

        var gatewaySegments = GatewayOptions.SectionName.Split(':');
        var isGateway = segments.Length > gatewaySegments.Length
            && segments.Take(gatewaySegments.Length).SequenceEqual(gatewaySegments, StringComparer.OrdinalIgnoreCase);
        var type = isGateway ? typeof(GatewayOptions) : typeof(SendoraHostOptions);
        var path = segments.Skip(isGateway ? gatewaySegments.Length : 1).ToArray();
        for (var i = 0; i < path.Length; i++)
        {
            var property = type.GetProperty(path[i],
                BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite)
            {
                return false;
            }

            type = property.PropertyType;
            var isLast = i == path.Length - 1;
            if (isLast != IsScalar(type))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsScalar(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        return underlying.IsPrimitive || underlying.IsEnum || underlying == typeof(string) || underlying == typeof(Uri)
            || underlying == typeof(TimeSpan);
    }

    private static List<List<string>> SplitStages(string[] dockerfile)
    {
        var stages = new List<List<string>>();
        foreach (var line in dockerfile.Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')))
        {
            if (line.StartsWith("FROM ", StringComparison.Ordinal))
            {
                stages.Add([]);
            }

            Assert.NotEmpty(stages);
            stages[^1].Add(line);
        }

        return stages;
    }
}
