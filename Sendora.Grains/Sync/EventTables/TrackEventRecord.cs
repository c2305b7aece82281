namespace Sendora.Grains.Sync.EventTables;

/// <summary>A track event of a chunk, as its event table takes it.</summary>
/// <param name="MessageId">The message's <c>messageId</c>, the row's primary key.</param>
/// <param name="ProfileId">The profile the event belongs to.</param>
/// <param name="EventName">The track's <c>event</c>, which names its table.</param>
/// <param name="Timestamp">The message's timestamp in UTC.</param>
/// <param name="PropertiesJson">The message's <c>properties</c> object as JSON text, or null when it has none.</param>
public sealed record TrackEventRecord(string MessageId, string ProfileId, string EventName, DateTime Timestamp, string? PropertiesJson);
