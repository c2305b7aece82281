using Azure;
using Azure.Core;
using Azure.Data.Tables;
using Azure.Identity;
using Azure.Storage.Queues;

namespace Sendora.Silo.Hosting;

/// <summary>
/// Checks that the table and queue endpoints respond. At start-up it lets a process whose storage is unreachable
/// stop at once with the endpoint in its message instead of retrying for minutes, and the gateway's readiness
/// check runs it again on every request.
/// </summary>
public sealed class StorageProbe
{
    private readonly TableServiceClient _tables;
    private readonly QueueServiceClient _queues;
    private readonly TimeSpan _timeout;

    /// <summary>Creates a probe whose calls are not retried and fail after <paramref name="timeout"/>.</summary>
    public StorageProbe(AzureStorageSettings settings, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _timeout = timeout;
        _tables = AzureStorageClients.CreateTableServiceClient(settings, new TableClientOptions
        {
            Retry = { MaxRetries = 0, NetworkTimeout = timeout },
        });
        _queues = AzureStorageClients.CreateQueueServiceClient(settings, new QueueClientOptions
        {
            Retry = { MaxRetries = 0, NetworkTimeout = timeout },
        });
    }

    /// <summary>
    /// Checks every storage service that <paramref name="host"/> uses: Redis, then Azure Storage when it stores the
    /// state or the streams. Throws <see cref="StorageUnreachableException"/> for the first that does not respond.
    /// </summary>
    public static async Task EnsureReachableAsync(SendoraHostOptions host, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        if (host.Storage == StorageKind.Redis)
        {
            await RedisProbe.EnsureReachableAsync(host.Redis, cancellationToken);
        }

        if (host.UsesAzureStorage)
        {
            await EnsureReachableAsync(host.AzureStorage, cancellationToken);
        }
    }

    /// <summary>Throws <see cref="StorageUnreachableException"/> when either storage endpoint does not respond.</summary>
    public static Task EnsureReachableAsync(AzureStorageSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new StorageProbe(settings, settings.ProbeTimeout).CheckAsync(cancellationToken);
    }

    /// <summary>
    /// Lists one page of tables, then one of queues. Listing is a data operation, which the Storage Table and Queue
    /// Data Contributor roles of a managed identity cover. Throws <see cref="StorageUnreachableException"/> naming the
    /// first endpoint that fails, so a storage account that is down as a whole is reported by its table endpoint.
    /// </summary>
    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        await ProbeAsync("table", _tables.Uri,
            token => FirstPageAsync(_tables.QueryAsync(maxPerPage: 1, cancellationToken: token)), cancellationToken);
        await ProbeAsync("queue", _queues.Uri, token => FirstPageAsync(_queues.GetQueuesAsync(cancellationToken: token)),
            cancellationToken);
    }

    private static async Task<bool> FirstPageAsync<T>(AsyncPageable<T> pageable)
        where T : notnull
    {
        await foreach (var _ in pageable.AsPages(pageSizeHint: 1))
        {
            break;
        }

        return true;
    }

    private async Task ProbeAsync<T>(
        string service, Uri endpoint, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            await call(timeout.Token);
        }
        catch (Exception exception) when (exception is RequestFailedException or OperationCanceledException
            or HttpRequestException or AggregateException or AuthenticationFailedException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            var reason = exception is OperationCanceledException
                ? $"no response within {_timeout.TotalSeconds:0.#} seconds"
                : exception.Message.Split('\n')[0].Trim();
            throw new StorageUnreachableException(
                $"Cannot reach Azure {service} storage at {endpoint}: {reason}. Start Azurite (./run.sh does) " +
                "or set Sendora:AzureStorage:ConnectionString, or TableServiceUri and QueueServiceUri, to a reachable "
                + "storage account.",
                exception);
        }
    }
}

/// <summary>Raised when a storage endpoint does not respond to the probe.</summary>
public sealed class StorageUnreachableException(string message, Exception inner) : Exception(message, inner);
