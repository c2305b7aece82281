using Sendora.Grains.Audiences;

namespace Sendora.Gateway.Audiences;

/// <summary>
/// Watches the audiences that this gateway's SSE clients follow, with one observer registration per audience
/// however many clients follow it, and wakes those clients when an audience's log grows. A client never
/// receives entries from here: it reads them from the log, so a slow client holds up no one.
/// </summary>
public sealed partial class AudienceStreamHub(IGrainFactory grains, ILogger<AudienceStreamHub> logger)
    : IAudienceWatcher, IHostedService, IDisposable
{
    // Audience grains drop a watcher that has not renewed for a minute.
    private static readonly TimeSpan RenewInterval = TimeSpan.FromSeconds(20);

    private readonly Lock _lock = new();
    private readonly Dictionary<string, Watched> _watched = new(StringComparer.Ordinal);
    private IAudienceWatcher? _reference;
    private CancellationTokenSource? _stopping;
    private Task? _renewLoop;

    /// <summary>Starts following <paramref name="audienceKey"/>; call <see cref="Release"/> once per call when the client leaves.</summary>
    public async Task FollowAsync(string audienceKey)
    {
        bool first;
        lock (_lock)
        {
            first = !_watched.TryGetValue(audienceKey, out var watched);
            if (first)
            {
                _watched[audienceKey] = watched = new Watched();
            }

            watched!.Followers++;
        }

        if (first)
        {
            await grains.GetGrain<IAudienceGrain>(audienceKey).WatchAsync(Reference());
        }
    }

    public void Release(string audienceKey)
    {
        bool last;
        lock (_lock)
        {
            last = _watched.TryGetValue(audienceKey, out var watched) && --watched.Followers == 0;
            if (last)
            {
                _watched.Remove(audienceKey);
                watched!.Wake();
            }
        }

        if (last)
        {
            _ = UnwatchAsync(audienceKey);
        }
    }

    /// <summary>
    /// Returns a task that completes at the next growth of the audience's log, or at the next renewal. Take it
    /// before reading the log, so that growth during the read is not missed.
    /// </summary>
    public Task NextChangeAsync(string audienceKey)
    {
        lock (_lock)
        {
            return _watched.TryGetValue(audienceKey, out var watched) ? watched.Signal.Task : Task.CompletedTask;
        }
    }

    public Task LogAdvanced(string audienceKey, long lastSequence)
    {
        lock (_lock)
        {
            if (_watched.TryGetValue(audienceKey, out var watched))
            {
                watched.Wake();
            }
        }

        return Task.CompletedTask;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = new CancellationTokenSource();
        _renewLoop = RenewAsync(_stopping.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is null)
        {
            return;
        }

        await _stopping.CancelAsync();
        try
        {
            await (_renewLoop ?? Task.CompletedTask);
        }
        catch (OperationCanceledException)
        {
            // The loop ends by cancellation.
        }
    }

    public void Dispose() => _stopping?.Dispose();

    private IAudienceWatcher Reference()
    {
        lock (_lock)
        {
            return _reference ??= grains.CreateObjectReference<IAudienceWatcher>(this);
        }
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(RenewInterval);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            string[] keys;
            lock (_lock)
            {
                keys = [.. _watched.Keys];
            }

            foreach (var key in keys)
            {
                try
                {
                    await grains.GetGrain<IAudienceGrain>(key).WatchAsync(Reference());
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // Clients still poll the log, so a missed renewal delays them by at most their poll interval.
                    LogRenewFailed(exception, key);
                }

                // Wake every follower too, so that a change whose notification was lost is read now.
                lock (_lock)
                {
                    if (_watched.TryGetValue(key, out var watched))
                    {
                        watched.Wake();
                    }
                }
            }
        }
    }

    private async Task UnwatchAsync(string audienceKey)
    {
        try
        {
            await grains.GetGrain<IAudienceGrain>(audienceKey).UnwatchAsync(Reference());
        }
        catch (Exception exception)
        {
            // The audience drops the registration by itself once it stops being renewed.
            LogRenewFailed(exception, audienceKey);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Failed to renew or remove the watch on audience {AudienceKey}")]
    private partial void LogRenewFailed(Exception exception, string audienceKey);

    private sealed class Watched
    {
        public int Followers { get; set; }

        public TaskCompletionSource Signal { get; private set; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Wake()
        {
            Signal.TrySetResult();
            Signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }
}
