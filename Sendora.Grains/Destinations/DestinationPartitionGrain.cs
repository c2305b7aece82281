using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Sendora.Grains.Audiences;
using Sendora.Grains.Channels;

namespace Sendora.Grains.Destinations;

/// <summary>
/// Sends one partition of a destination's people. Sending runs from a timer that interleaves with calls, so a slow or
/// dead receiver never delays <see cref="EnqueueAsync"/>, and every request ends within the configured timeout.
/// </summary>
public sealed partial class DestinationPartitionGrain(
    [PersistentState("destinationPartition", SendoraNames.GrainStorage)] IPersistentState<DestinationPartitionState> partition,
    IOptions<DestinationOptions> options,
    WebhookSender sender,
    AudienceCatalogCache catalogs,
    TimeProvider clock,
    ILogger<DestinationPartitionGrain> logger) : Grain, IDestinationPartitionGrain, IRemindable
{
    private const string ResumeReminder = "destination-resume";

    // How many requests one pass sends at once; further ready people wait for the next pass.
    private const int MaxParallelRequests = 4;

    // How soon a partition whose destination is disabled or missing from the catalog looks again.
    private static readonly TimeSpan IdleRecheck = TimeSpan.FromSeconds(30);

    private readonly DestinationOptions _options = options.Value;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private string _workspaceId = string.Empty;
    private string _destinationId = string.Empty;
    private IGrainTimer? _timer;
    private DateTimeOffset? _timerDue;
    private bool _sending;
    private bool _passRequested;

    // The digests of State.RecentDeliveries, built when the first delivery of this activation is recorded.
    private HashSet<long>? _recentDeliveries;

    private DestinationPartitionState State => partition.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var (workspaceId, rest) = GrainKeys.Split(this.GetPrimaryKeyString());
        _workspaceId = workspaceId;
        _destinationId = rest[..rest.LastIndexOf('/')];
        if (State.People.Count > 0)
        {
            Schedule(TimeSpan.Zero);
        }

        return Task.CompletedTask;
    }

    public async Task EnqueueAsync(IReadOnlyList<DestinationMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var now = clock.GetUtcNow();
        var queued = State.People.Values.Sum(p => p.Messages.Sum(m => (long)m.Json.Length));
        foreach (var message in messages)
        {
            if (!State.People.TryGetValue(message.ProfileId, out var person))
            {
                person = new PersonQueue();
                State.People[message.ProfileId] = person;
            }

            if (person.Messages.Exists(m => m.MessageId == message.MessageId))
            {
                continue;
            }

            var entry = new QueuedMessage(message.MessageId, message.Timestamp, message.Json, now);
            if (queued + entry.Json.Length > _options.MaxQueuedCharacters)
            {
                Park(message.ProfileId, [entry], now, $"The partition's queue is full: it keeps at most "
                    + $"{_options.MaxQueuedCharacters} characters of messages ({DestinationOptions.SectionName}:MaxQueuedCharacters).");
                continue;
            }

            InsertInOrder(person.Messages, entry);
            queued += entry.Json.Length;
        }

        RemoveEmptyPeople();
        await EnsureReminderAsync();
        await SaveAsync();
        Schedule(TimeSpan.Zero);
    }

    public Task<DestinationPartitionStats> GetStatsAsync()
    {
        var retrying = State.People.Values.Where(p => p.Attempts > 0).Sum(p => (long)p.Messages.Count);
        var waiting = State.People.Values.Sum(p => (long)p.Messages.Count);
        return Task.FromResult(new DestinationPartitionStats
        {
            Delivered = State.Delivered,
            Failed = State.Failed,
            Retrying = retrying,
            Queued = waiting - retrying,
            Parked = State.Parked.Count,
            Failures = [.. State.Failures],
        });
    }

    public async Task<int> ReplayParkedAsync()
    {
        var parked = State.Parked.ToList();
        if (parked.Count == 0)
        {
            return 0;
        }

        var now = clock.GetUtcNow();
        foreach (var item in parked)
        {
            if (!State.People.TryGetValue(item.ProfileId, out var person))
            {
                person = new PersonQueue();
                State.People[item.ProfileId] = person;
            }

            if (!person.Messages.Exists(m => m.MessageId == item.Message.MessageId))
            {
                InsertInOrder(person.Messages, item.Message with { QueuedAt = now });
            }
        }

        State.Parked.Clear();
        await EnsureReminderAsync();
        await SaveAsync();
        LogReplayed(parked.Count, _destinationId, _workspaceId);
        Schedule(TimeSpan.Zero);
        return parked.Count;
    }

    public async Task ClearAsync()
    {
        _timer?.Dispose();
        _timer = null;
        _timerDue = null;
        if (State.ReminderRegistered && await this.GetReminder(ResumeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        await _writeLock.WaitAsync();
        try
        {
            await partition.ClearStateAsync();
            _recentDeliveries = null;
        }
        finally
        {
            _writeLock.Release();
        }

        DeactivateOnIdle();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ResumeReminder)
        {
            return;
        }

        if (State.People.Count > 0)
        {
            Schedule(TimeSpan.Zero);
            return;
        }

        if (await this.GetReminder(ResumeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        State.ReminderRegistered = false;
        await SaveAsync();
    }

    /// <summary>Runs a pass after <paramref name="delay"/>, unless one is due sooner or is running, which then runs again.</summary>
    private void Schedule(TimeSpan delay)
    {
        if (_sending)
        {
            _passRequested |= delay <= TimeSpan.Zero;
            if (delay > TimeSpan.Zero)
            {
                SetTimer(delay);
            }

            return;
        }

        SetTimer(delay);
    }

    private void SetTimer(TimeSpan delay)
    {
        var due = clock.GetUtcNow() + delay;
        if (_timer is not null && _timerDue <= due)
        {
            return;
        }

        _timer?.Dispose();
        _timerDue = due;
        _timer = this.RegisterGrainTimer(
            _ => SendDueAsync(),
            new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = true });
    }

    private async Task SendDueAsync()
    {
        _timer?.Dispose();
        _timer = null;
        _timerDue = null;
        if (_sending)
        {
            _passRequested = true;
            return;
        }

        _sending = true;
        TimeSpan? next;
        try
        {
            do
            {
                _passRequested = false;
                next = await PassAsync();
            }
            while (_passRequested);
        }
        catch (Exception exception)
        {
            LogPassFailed(exception, _destinationId, _workspaceId);
            next = IdleRecheck;
        }
        finally
        {
            _sending = false;
        }

        if (next is { } delay)
        {
            Schedule(delay);
        }
    }

    /// <summary>Sends what is due and saves the results. Returns when the next pass is due, or null when nothing waits.</summary>
    private async Task<TimeSpan?> PassAsync()
    {
        if (State.People.Count == 0)
        {
            return null;
        }

        var catalog = await catalogs.GetAsync(_workspaceId, 0);
        var destination = catalog.Destinations.FirstOrDefault(d => d.Id == _destinationId);
        if (destination is null || !destination.Enabled)
        {
            return IdleRecheck;
        }

        var now = clock.GetUtcNow();
        var batchSize = destination.BatchSize ?? _options.BatchSize;
        var maxAge = destination.MaxBatchAge ?? _options.MaxBatchAge;
        var ready = State.People
            .Where(pair => pair.Value.Messages.Count > 0 && (pair.Value.NextAttemptAt is null || pair.Value.NextAttemptAt <= now))
            .Select(pair => (ProfileId: pair.Key, Person: pair.Value))
            .ToList();
        var requests = new List<Task>();
        foreach (var (profileId, person) in ready.Where(r => r.Person.Attempts > 0).Take(MaxParallelRequests))
        {
            requests.Add(SendPersonAsync(destination, profileId, [.. person.Messages.Take(batchSize)]));
        }

        var fresh = ready.Where(r => r.Person.Attempts == 0).ToList();
        var freshCount = fresh.Sum(r => r.Person.Messages.Count);
        var oldest = fresh.Count == 0 ? (DateTimeOffset?)null : fresh.Min(r => r.Person.Messages.Min(m => m.QueuedAt));
        var leftOver = false;
        var flush = oldest is { } queuedAt && (freshCount >= batchSize || queuedAt + maxAge <= now);
        if (flush && requests.Count == MaxParallelRequests)
        {
            leftOver = true;
        }
        else if (flush)
        {
            // A person's messages go in one batch only, so that two batches in flight never reorder them.
            var batch = new List<(string ProfileId, List<QueuedMessage> Messages)>();
            var size = 0;
            foreach (var (profileId, person) in fresh)
            {
                if (size == batchSize)
                {
                    if (requests.Count == MaxParallelRequests - 1)
                    {
                        leftOver = true;
                        break;
                    }

                    requests.Add(SendBatchAsync(destination, batch));
                    batch = [];
                    size = 0;
                }

                var part = person.Messages.Take(batchSize - size).ToList();
                batch.Add((profileId, part));
                size += part.Count;
                leftOver |= part.Count < person.Messages.Count;
            }

            if (batch.Count > 0)
            {
                requests.Add(SendBatchAsync(destination, batch));
            }
        }

        if (requests.Count > 0)
        {
            await Task.WhenAll(requests);
            RemoveEmptyPeople();
            await SaveAsync();
        }

        _passRequested |= leftOver || ready.Count(r => r.Person.Attempts > 0) > MaxParallelRequests;
        return NextDue(maxAge);
    }

    private TimeSpan? NextDue(TimeSpan maxAge)
    {
        DateTimeOffset? next = null;
        foreach (var person in State.People.Values.Where(p => p.Messages.Count > 0))
        {
            var due = person.NextAttemptAt ?? person.Messages.Min(m => m.QueuedAt) + maxAge;
            next = next is null || due < next ? due : next;
        }

        if (next is not { } at)
        {
            return null;
        }

        var delay = at - clock.GetUtcNow();
        return delay < TimeSpan.Zero ? TimeSpan.Zero : delay;
    }

    private async Task SendBatchAsync(DestinationDefinition destination, List<(string ProfileId, List<QueuedMessage> Messages)> batch)
    {
        var reply = await PostAsync(destination, [.. batch.SelectMany(part => part.Messages)]);
        if (reply.Outcome.Status == DeliveryStatuses.Sent)
        {
            foreach (var (profileId, messages) in batch)
            {
                MarkDelivered(profileId, messages);
            }

            return;
        }

        if (batch.Count == 1)
        {
            MarkFailed(destination, batch[0].ProfileId, batch[0].Messages, reply);
            return;
        }

        // Each person is tried alone, so that a receiver that rejects one person's message holds back only that person.
        foreach (var chunk in batch.Chunk(MaxParallelRequests))
        {
            await Task.WhenAll(chunk.Select(part => SendPersonAsync(destination, part.ProfileId, part.Messages)));
        }
    }

    private async Task SendPersonAsync(DestinationDefinition destination, string profileId, List<QueuedMessage> messages)
    {
        var reply = await PostAsync(destination, messages);
        if (reply.Outcome.Status == DeliveryStatuses.Sent)
        {
            MarkDelivered(profileId, messages);
        }
        else
        {
            MarkFailed(destination, profileId, messages, reply);
        }
    }

    private Task<SignedPostReply> PostAsync(DestinationDefinition destination, IReadOnlyList<QueuedMessage> messages)
    {
        var body = DestinationBatch.Build(messages.Select(m => m.Json), clock.GetUtcNow());
        var post = new SignedPost(
            new Uri(destination.Url), destination.Headers, destination.SigningSecret,
            DestinationBatch.IdempotencyKey(messages.Select(m => m.MessageId)), body, _options.Timeout);
        return sender.PostAsync(post, _options.FailureBodyBytes, CancellationToken.None);
    }

    private void MarkDelivered(string profileId, List<QueuedMessage> messages)
    {
        foreach (var message in messages)
        {
            if (RecordDelivery(message.MessageId))
            {
                State.Delivered++;
            }
        }

        if (!State.People.TryGetValue(profileId, out var person))
        {
            return;
        }

        var sent = messages.Select(m => m.MessageId).ToHashSet(StringComparer.Ordinal);
        person.Messages.RemoveAll(m => sent.Contains(m.MessageId));
        person.Attempts = 0;
        person.FirstFailureAt = null;
        person.NextAttemptAt = null;
    }

    /// <summary>
    /// Remembers a message the receiver accepted. Returns false when it is among the last
    /// <see cref="DestinationOptions.DeliveredIdsKept"/> remembered, so that a message delivered again counts once.
    /// A message handed over again is still sent again, and receivers drop the repeat by its messageId.
    /// </summary>
    private bool RecordDelivery(string messageId)
    {
        var limit = _options.DeliveredIdsKept;
        if (limit == 0)
        {
            return true;
        }

        var recent = State.RecentDeliveries;
        _recentDeliveries ??= [.. recent];
        var digest = BinaryPrimitives.ReadInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(messageId)));
        if (!_recentDeliveries.Add(digest))
        {
            return false;
        }

        recent.Add(digest);
        if (recent.Count > limit)
        {
            var excess = recent.Count - limit;
            _recentDeliveries.ExceptWith(recent.Take(excess));
            recent.RemoveRange(0, excess);
        }

        return true;
    }

    private void MarkFailed(DestinationDefinition destination, string profileId, List<QueuedMessage> messages, SignedPostReply reply)
    {
        var now = clock.GetUtcNow();
        var reason = reply.Outcome.Reason ?? "The request failed.";
        AddFailure(new DestinationFailure(now, profileId, messages.Count, reason, reply.StatusCode, reply.BodyExcerpt));
        if (!State.People.TryGetValue(profileId, out var person))
        {
            return;
        }

        var sent = messages.Select(m => m.MessageId).ToHashSet(StringComparer.Ordinal);
        if (reply.Outcome.Status == DeliveryStatuses.Failed)
        {
            // A rejection will not pass by itself, so these messages are parked and the person's later ones go on.
            person.Messages.RemoveAll(m => sent.Contains(m.MessageId));
            Park(profileId, messages, now, reason);
            person.Attempts = 0;
            person.FirstFailureAt = null;
            person.NextAttemptAt = null;
            LogRejected(messages.Count, _destinationId, _workspaceId, reason);
            return;
        }

        person.Attempts++;
        person.FirstFailureAt ??= now;
        var retryPeriod = destination.RetryPeriod ?? _options.RetryPeriod;
        var due = now + _options.RetryDelay(person.Attempts);
        if (due - person.FirstFailureAt.Value <= retryPeriod)
        {
            person.NextAttemptAt = due;
            LogRetrying(messages.Count, _destinationId, _workspaceId, person.Attempts, due, reason);
            return;
        }

        // The retry period is over: everything the person has waiting is parked, so that later messages start afresh.
        var waiting = person.Messages.ToList();
        person.Messages.Clear();
        Park(profileId, waiting, now, $"{reason} Gave up after {person.Attempts} attempts over {retryPeriod}.");
        person.Attempts = 0;
        person.FirstFailureAt = null;
        person.NextAttemptAt = null;
        LogParked(waiting.Count, _destinationId, _workspaceId, reason);
    }

    private void Park(string profileId, IEnumerable<QueuedMessage> messages, DateTimeOffset now, string reason)
    {
        foreach (var message in messages)
        {
            State.Parked.Add(new ParkedMessage(profileId, message, now, reason));
            State.Failed++;
        }

        // Dropped parked messages were counted as failed when they were parked.
        var length = State.Parked.Sum(p => (long)p.Message.Json.Length);
        var excess = 0;
        while (excess < State.Parked.Count && length > _options.MaxParkedCharacters)
        {
            length -= State.Parked[excess].Message.Json.Length;
            excess++;
        }

        if (excess > 0)
        {
            State.Parked.RemoveRange(0, excess);
            LogParkedDropped(excess, _destinationId, _workspaceId);
        }
    }

    private void AddFailure(DestinationFailure failure)
    {
        State.Failures.Insert(0, failure);
        if (State.Failures.Count > _options.FailureSamples)
        {
            State.Failures.RemoveRange(_options.FailureSamples, State.Failures.Count - _options.FailureSamples);
        }
    }

    /// <summary>Inserts after every message with the same or an earlier timestamp, so equal timestamps keep arrival order.</summary>
    private static void InsertInOrder(List<QueuedMessage> messages, QueuedMessage message)
    {
        var index = messages.Count;
        while (index > 0 && messages[index - 1].Timestamp > message.Timestamp)
        {
            index--;
        }

        messages.Insert(index, message);
    }

    private void RemoveEmptyPeople()
    {
        foreach (var profileId in State.People.Where(p => p.Value.Messages.Count == 0).Select(p => p.Key).ToList())
        {
            State.People.Remove(profileId);
        }
    }

    private async Task EnsureReminderAsync()
    {
        if (State.ReminderRegistered || State.People.Count == 0)
        {
            return;
        }

        await this.RegisterOrUpdateReminder(ResumeReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        State.ReminderRegistered = true;
    }

    // Calls interleave with the sending timer, so writes are taken one at a time.
    private async Task SaveAsync()
    {
        await _writeLock.WaitAsync();
        try
        {
            await partition.WriteStateAsync();
        }
        catch (Exception exception)
        {
            // The memory now differs from storage. A fresh activation reloads the queue and sends again what this
            // one sent but did not save; receivers drop those repeats by messageId.
            LogSaveFailed(exception, _destinationId, _workspaceId);
            DeactivateOnIdle();
            throw;
        }
        finally
        {
            _writeLock.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Debug,
        Message = "Retrying {Count} messages of destination {DestinationId} in workspace {WorkspaceId} after attempt {Attempts} at {Due}: {Reason}")]
    private partial void LogRetrying(int count, string destinationId, string workspaceId, int attempts, DateTimeOffset due, string reason);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Parked {Count} messages of destination {DestinationId} in workspace {WorkspaceId} that the receiver rejected: {Reason}")]
    private partial void LogRejected(int count, string destinationId, string workspaceId, string reason);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Parked {Count} messages of destination {DestinationId} in workspace {WorkspaceId} after the retry period: {Reason}")]
    private partial void LogParked(int count, string destinationId, string workspaceId, string reason);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Dropped the {Count} oldest parked messages of destination {DestinationId} in workspace {WorkspaceId}, past the parking limit")]
    private partial void LogParkedDropped(int count, string destinationId, string workspaceId);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Queued {Count} parked messages of destination {DestinationId} in workspace {WorkspaceId} again")]
    private partial void LogReplayed(int count, string destinationId, string workspaceId);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "A sending pass of destination {DestinationId} in workspace {WorkspaceId} failed; trying again later")]
    private partial void LogPassFailed(Exception exception, string destinationId, string workspaceId);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Failed to save the queue of destination {DestinationId} in workspace {WorkspaceId}; deactivating")]
    private partial void LogSaveFailed(Exception exception, string destinationId, string workspaceId);
}
