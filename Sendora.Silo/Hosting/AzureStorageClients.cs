using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;

namespace Sendora.Silo.Hosting;

/// <summary>
/// Creates the table and queue clients from <see cref="AzureStorageSettings"/>: with a connection string for
/// Azurite or account keys, or with service URIs and a Microsoft Entra ID token for a managed identity.
/// </summary>
public static class AzureStorageClients
{
    private const string Section = "Sendora:AzureStorage";

    /// <summary>
    /// Returns one message per invalid setting, each naming the key to fix. The connection string and the service
    /// URIs exclude each other, and the two service URIs come together.
    /// </summary>
    public static IReadOnlyList<string> Validate(AzureStorageSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var failures = new List<string>();
        var hasConnectionString = !string.IsNullOrWhiteSpace(settings.ConnectionString);
        var hasUris = settings.TableServiceUri is not null || settings.QueueServiceUri is not null;
        if (hasConnectionString && hasUris)
        {
            failures.Add($"{Section}:ConnectionString and {Section}:TableServiceUri/QueueServiceUri are both set: "
                + "set the connection string for account keys or Azurite, or the two service URIs for a managed "
                + "identity, not both.");
        }

        if (hasUris && (settings.TableServiceUri is null || settings.QueueServiceUri is null))
        {
            var missing = settings.TableServiceUri is null ? "TableServiceUri" : "QueueServiceUri";
            failures.Add($"{Section}:{missing} is missing: a managed identity needs both "
                + $"{Section}:TableServiceUri and {Section}:QueueServiceUri.");
        }

        var uris = new[]
        {
            ("TableServiceUri", settings.TableServiceUri),
            ("QueueServiceUri", settings.QueueServiceUri),
        };
        foreach (var (name, uri) in uris)
        {
            if (uri is not null && (!uri.IsAbsoluteUri || uri.Scheme is not ("https" or "http")))
            {
                failures.Add($"{Section}:{name} must be an absolute https URL, but is '{uri}'.");
            }
        }

        if (!string.IsNullOrWhiteSpace(settings.ManagedIdentityClientId) && !hasUris)
        {
            failures.Add($"{Section}:ManagedIdentityClientId is set but {Section}:TableServiceUri and "
                + $"{Section}:QueueServiceUri are not: a connection string does not use the identity.");
        }

        return failures;
    }

    /// <summary>Throws <see cref="InvalidOperationException"/> with every failure of <see cref="Validate"/>.</summary>
    public static void EnsureValid(AzureStorageSettings settings)
    {
        var failures = Validate(settings);
        if (failures.Count > 0)
        {
            throw new InvalidOperationException("Invalid Azure Storage settings: " + string.Join(" ", failures));
        }
    }

    /// <summary>Creates a table service client, with <paramref name="options"/> when given.</summary>
    public static TableServiceClient CreateTableServiceClient(
        AzureStorageSettings settings, TableClientOptions? options = null)
    {
        EnsureValid(settings);
        return settings.TableServiceUri is { } uri
            ? new TableServiceClient(uri, CreateCredential(settings), options)
            : new TableServiceClient(ConnectionStringOf(settings), options);
    }

    /// <summary>Creates a queue service client, with <paramref name="options"/> when given.</summary>
    public static QueueServiceClient CreateQueueServiceClient(
        AzureStorageSettings settings, QueueClientOptions? options = null)
    {
        EnsureValid(settings);
        return settings.QueueServiceUri is { } uri
            ? new QueueServiceClient(uri, CreateCredential(settings), options)
            : new QueueServiceClient(ConnectionStringOf(settings), options);
    }

    private static string ConnectionStringOf(AzureStorageSettings settings) =>
        string.IsNullOrWhiteSpace(settings.ConnectionString)
            ? AzureStorageSettings.DevelopmentConnectionString
            : settings.ConnectionString;

    private static TokenCredential CreateCredential(AzureStorageSettings settings) =>
        new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = string.IsNullOrWhiteSpace(settings.ManagedIdentityClientId)
                ? null
                : settings.ManagedIdentityClientId,
        });
}
