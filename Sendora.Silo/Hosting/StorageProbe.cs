using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Queues;

namespace Sendora.Silo.Hosting;

/// <summary>
/// Checks at start-up that the table and queue endpoints answer, so that a process whose storage
/// is unreachable stops at once with the endpoint in its message instead of retrying for minutes.
/// </summary>
public static class StorageProbe
{
    public static async Task EnsureReachableAsync(AzureStorageSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var tables = new TableServiceClient(settings.ConnectionString, new TableClientOptions
        {
            Retry = { MaxRetries = 0, NetworkTimeout = settings.ProbeTimeout },
        });
        await ProbeAsync("table", tables.Uri, token => tables.GetPropertiesAsync(token), settings, cancellationToken);

        var queues = new QueueServiceClient(settings.ConnectionString, new QueueClientOptions
        {
            Retry = { MaxRetries = 0, NetworkTimeout = settings.ProbeTimeout },
        });
        await ProbeAsync("queue", queues.Uri, token => queues.GetPropertiesAsync(token), settings, cancellationToken);
    }

    private static async Task ProbeAsync<T>(
        string service,
        Uri endpoint,
        Func<CancellationToken, Task<T>> call,
        AzureStorageSettings settings,
        CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.ProbeTimeout);
        try
        {
            await call(timeout.Token);
        }
        catch (Exception exception) when (exception is RequestFailedException or OperationCanceledException
            or HttpRequestException or AggregateException)
        {
            var reason = exception is OperationCanceledException
                ? $"no answer within {settings.ProbeTimeout.TotalSeconds:0} seconds"
                : exception.Message.Split('\n')[0].Trim();
            throw new StorageUnreachableException(
                $"Cannot reach Azure {service} storage at {endpoint}: {reason}. Start Azurite (./run.sh does) " +
                "or set Sendora:AzureStorage:ConnectionString to a reachable storage account.",
                exception);
        }
    }
}

/// <summary>Raised when a storage endpoint does not answer the start-up check.</summary>
public sealed class StorageUnreachableException(string message, Exception inner) : Exception(message, inner);
