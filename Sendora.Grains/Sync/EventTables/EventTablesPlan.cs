namespace Sendora.Grains.Sync.EventTables;

/// <summary>What one chunk changes in the event tables and <c>discards</c>.</summary>
public sealed record EventTablesPlan(IReadOnlyList<EventTablePlan> Tables, IReadOnlyList<EventDiscard> Discards);
