using System.Globalization;
using System.Text;
using Sendora.Grains.Profiles;

/// <summary>
/// A profile shaped like those of the ladder's memory step: 10 traits, one id list and one source shared by its events,
/// and each track kept both as a recent event and as a history event.
/// </summary>
internal static class SampleProfile
{
    private static readonly DateTimeOffset Start = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);

    public static ProfileState Create(int events)
    {
        var state = new ProfileState { CreatedAt = Start, FirstSeen = Start, LastSeen = Start.AddMinutes(events), AppliedCount = events };
        for (var i = 0; i < 10; i++)
        {
            state.Traits[$"trait_{i}"] = $"\"value {i}\"";
            state.TraitTimestamps[$"trait_{i}"] = Start;
        }

        state.ExternalIds.Add(new ExternalId("user_id", "user-4711", "source-1", Start));
        state.Counters["Product Viewed"] = new EventCounter { Count = events, First = Start, Last = Start.AddMinutes(events) };
        var ids = new List<string> { "user_id:user-4711" };
        for (var i = 0; i < events; i++)
        {
            var messageId = Guid.NewGuid().ToString();
            var timestamp = Start.AddMinutes(i);
            var envelope = string.Create(CultureInfo.InvariantCulture,
                $"{{\"type\":\"track\",\"event\":\"Product Viewed\",\"userId\":\"user-4711\",\"messageId\":\"{messageId}\",\"timestamp\":\"{timestamp:O}\",\"properties\":{{\"sku\":\"sku-{i}\",\"price\":19.5}},\"context\":{{\"library\":{{\"name\":\"analytics-node\",\"version\":\"2.1.0\"}}}}}}");
            state.RecentEvents.Add(new StoredEvent(messageId, timestamp, "source-1", envelope) { ExternalIds = ids });
            var properties = Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{{\"sku\":\"sku-{i}\",\"price\":19.5}}"));
            state.Audiences.History.Add(new HistoryEvent(messageId, "track", "Product Viewed", timestamp, properties));
        }

        state.SeenMessageDigests = new MessageDigests(new byte[24 * events], 24 * events);
        return state;
    }
}
