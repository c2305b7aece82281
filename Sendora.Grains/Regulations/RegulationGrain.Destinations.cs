using System.Globalization;
using System.Text.Json.Nodes;
using Sendora.Grains.Destinations;

namespace Sendora.Grains.Regulations;

public sealed partial class RegulationGrain
{
    /// <summary>
    /// Sends a <c>delete</c> message for an erased person to every enabled destination without a message type filter,
    /// in the shape that Segment sends to webhooks, so that receivers can erase their own copies. A destination keeps
    /// each profile's messages in order, so one message goes for each erased profile, after that profile's messages.
    /// Each messageId is the same on every attempt, so a receiver drops the repeat that a retry after a crash sends.
    /// </summary>
    private async Task ForwardDeletionAsync(Regulation current, RegulationSubject subject)
    {
        var catalog = await catalogs.GetAsync(_workspaceId, minVersion: 0);
        var destinations = catalog.Destinations.Where(d => d.Enabled && d.Filter.EventTypes.Count == 0).ToList();
        if (destinations.Count == 0)
        {
            return;
        }

        var now = clock.GetUtcNow();
        var sends = new List<Task>();
        foreach (var profileId in subject.ErasedProfileIds)
        {
            var messageId = $"delete-{current.Id}:{profileId}";
            var json = new JsonObject
            {
                ["type"] = "delete",
                ["userId"] = subject.SubjectId,
                ["messageId"] = messageId,
                ["timestamp"] = now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
                ["context"] = new JsonObject
                {
                    ["regulation"] = new JsonObject { ["id"] = current.Id, ["regulationType"] = current.RegulationType },
                },
            }.ToJsonString();
            foreach (var destination in destinations)
            {
                var partition = DestinationPartitions.Of(profileId, destination.Partitions);
                var message = new DestinationMessage(
                    destination.Id, profileId, messageId, now, DestinationRules.Map(destination.Mapping, json));
                sends.Add(GrainFactory
                    .Reference<IDestinationPartitionGrain>(DestinationPartitions.Key(_workspaceId, destination.Id, partition))
                    .EnqueueAsync([message]));
            }
        }

        await Task.WhenAll(sends);
    }
}
