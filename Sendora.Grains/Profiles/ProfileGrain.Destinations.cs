using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Sendora.Grains.Audiences;
using Sendora.Grains.Destinations;
using Sendora.Grains.Ingestion;

namespace Sendora.Grains.Profiles;

public sealed partial class ProfileGrain
{
    // The destinations whose partition grain is taking a call with this profile's messages now.
    private readonly HashSet<string> _sendingDestinations = new(StringComparer.Ordinal);
    private IGrainTimer? _destinationTimer;

    /// <summary>
    /// Adds each applied message to the outbox with the destinations that take it. The outbox is saved with the state
    /// and handed to the destinations after it, so an acknowledged message reaches them even after a crash.
    /// </summary>
    private void QueueDestinationMessages(IReadOnlyList<TrackedMessage> applied)
    {
        var destinations = _journeyCatalog.Destinations;
        if (destinations.Count == 0)
        {
            return;
        }

        var now = clock.GetUtcNow();
        foreach (var message in applied)
        {
            using var document = JsonDocument.Parse(message.Json);
            var ids = destinations
                .Where(d => DestinationRules.Accepts(d, message.SourceId, document.RootElement, now))
                .Select(d => d.Id)
                .ToList();
            if (ids.Count > 0)
            {
                State.Destinations.Outbox.Add(new PendingDestinationMessage
                {
                    MessageId = message.MessageId,
                    Timestamp = message.Timestamp,
                    Json = message.Json,
                    DestinationIds = ids,
                });
            }
        }
    }

    /// <summary>Adds an enter or exit as a track event for each destination that takes the audience's changes.</summary>
    private void QueueMembershipDestinationEvents(MembershipChange change)
    {
        var audience = _journeyCatalog.Audiences.FirstOrDefault(a => a.Id == change.AudienceId);
        var destinations = _journeyCatalog.Destinations
            .Where(d => d.Enabled && d.AudienceEvents.Enabled
                && (d.AudienceEvents.AudienceIds.Count == 0 || d.AudienceEvents.AudienceIds.Contains(change.AudienceId)))
            .ToList();
        if (destinations.Count == 0 || audience is null)
        {
            return;
        }

        // One message per destination, because each names the event its own way.
        foreach (var destination in destinations)
        {
            var enter = change.Kind == MembershipChangeKinds.Enter;
            var messageId = $"audience:{change.ChangeId}";
            var body = new JsonObject
            {
                ["type"] = "track",
                ["event"] = enter ? destination.AudienceEvents.EnterEvent : destination.AudienceEvents.ExitEvent,
                ["messageId"] = messageId,
                ["userId"] = ExternalIdValue("user_id"),
                ["anonymousId"] = ExternalIdValue("anonymous_id"),
                ["timestamp"] = change.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
                ["properties"] = new JsonObject
                {
                    ["audience_id"] = change.AudienceId,
                    ["audience_name"] = audience.Name,
                    ["audience_version"] = change.AudienceVersion,
                    ["profile_id"] = _profileId,
                },
            };
            State.Destinations.Outbox.Add(new PendingDestinationMessage
            {
                MessageId = messageId,
                Timestamp = change.At,
                Json = body.ToJsonString(),
                DestinationIds = [destination.Id],
            });
        }
    }

    private string? ExternalIdValue(string type) => State.ExternalIds.FirstOrDefault(id => id.Type == type)?.Id;

    /// <summary>Hands the outbox to the destinations from a timer that interleaves with the profile's calls.</summary>
    private void ScheduleDestinationPublish(TimeSpan? delay = null)
    {
        if (_stale || State.Destinations.Outbox.Count == 0 || (_destinationTimer is not null && delay is null))
        {
            return;
        }

        _destinationTimer?.Dispose();
        _destinationTimer = this.RegisterGrainTimer(
            _ => PublishDestinationMessagesAsync(),
            new GrainTimerCreationOptions(delay ?? TimeSpan.Zero, Timeout.InfiniteTimeSpan) { Interleave = true, KeepAlive = true });
    }

    /// <summary>
    /// Sends the outbox to each destination's partition, one call at a time per destination, so that a destination
    /// whose partition is slow to reply delays only its own messages. A message leaves the outbox in memory once every
    /// destination took it, and in storage with the next save; one sent again after a crash carries the same messageId.
    /// </summary>
    private async Task PublishDestinationMessagesAsync()
    {
        _destinationTimer?.Dispose();
        _destinationTimer = null;
        if (_stale)
        {
            return;
        }

        var idle = State.Destinations.Outbox
            .SelectMany(m => m.DestinationIds)
            .Where(id => !_sendingDestinations.Contains(id))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        await Task.WhenAll(idle.Select(SendToDestinationAsync));
    }

    private async Task SendToDestinationAsync(string destinationId)
    {
        var outbox = State.Destinations.Outbox;
        _sendingDestinations.Add(destinationId);
        try
        {
            while (!_stale)
            {
                var batch = outbox.Where(m => m.DestinationIds.Contains(destinationId)).ToList();
                if (batch.Count == 0)
                {
                    return;
                }

                try
                {
                    var catalog = await GetCatalogAsync();
                    if (catalog.Destinations.FirstOrDefault(d => d.Id == destinationId) is { } destination)
                    {
                        var messages = batch
                            .Select(m => new DestinationMessage(
                                destinationId, _profileId, m.MessageId, m.Timestamp, DestinationRules.Map(destination.Mapping, m.Json)))
                            .ToList();
                        var partition = DestinationPartitions.Of(_profileId, destination.Partitions);
                        var key = DestinationPartitions.Key(_workspaceId, destinationId, partition);
                        await GrainFactory.Reference<IDestinationPartitionGrain>(key).EnqueueAsync(messages);
                    }
                }
                catch (Exception exception)
                {
                    LogDestinationHandOffFailed(exception, batch.Count, destinationId, _profileId);
                    ScheduleDestinationPublish(TimeSpan.FromSeconds(5));
                    return;
                }

                // A destination deleted meanwhile takes nothing, and its messages leave the outbox as well.
                foreach (var message in batch)
                {
                    message.DestinationIds.Remove(destinationId);
                }

                outbox.RemoveAll(m => m.DestinationIds.Count == 0);
            }
        }
        finally
        {
            _sendingDestinations.Remove(destinationId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Failed to hand {Count} messages of profile {ProfileId} to destination {DestinationId}; retrying in 5 seconds")]
    private partial void LogDestinationHandOffFailed(Exception exception, int count, string destinationId, string profileId);
}

/// <summary>The destination part of a profile's state.</summary>
/// <remarks>
/// NOTE: the outbox keeps a copy of each message a destination takes in the profile's one storage entity until the
/// next save after the hand-off. A full batch for one person on top of full recent events can then pass the entity's 1 MiB.
/// </remarks>
[GenerateSerializer, Alias("sendora.ProfileDestinationState")]
public sealed class ProfileDestinationState
{
    /// <summary>Messages saved with the state that caused them and not yet taken by every destination.</summary>
    [Id(0)] public List<PendingDestinationMessage> Outbox { get; set; } = [];
}

/// <summary>An applied message, or an audience change as a track event, with the destinations still to take it.</summary>
[GenerateSerializer, Alias("sendora.PendingDestinationMessage")]
public sealed class PendingDestinationMessage
{
    [Id(0)] public required string MessageId { get; init; }

    [Id(1)] public required DateTimeOffset Timestamp { get; init; }

    /// <summary>The message as received, before any destination's mapping.</summary>
    [Id(2)] public required string Json { get; init; }

    [Id(3)] public List<string> DestinationIds { get; set; } = [];
}
