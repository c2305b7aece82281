namespace Sendora.Grains.Sync;

/// <summary>Rows of one target table that a run inserted, changed and deleted.</summary>
[GenerateSerializer, Immutable, Alias("sendora.SyncTableCounts")]
public sealed record SyncTableCounts(
    [property: Id(0)] long Added,
    [property: Id(1)] long Updated,
    [property: Id(2)] long Deleted)
{
    public static readonly SyncTableCounts Zero = new(0, 0, 0);

    public SyncTableCounts Plus(SyncTableCounts other) =>
        new(Added + other.Added, Updated + other.Updated, Deleted + other.Deleted);
}

/// <summary>Rows a run inserted, changed and deleted, per target table.</summary>
[GenerateSerializer, Immutable, Alias("sendora.SyncCounts")]
public sealed record SyncCounts
{
    public static readonly SyncCounts Zero = new();

    [Id(0)] public SyncTableCounts Profiles { get; init; } = SyncTableCounts.Zero;

    [Id(1)] public SyncTableCounts ExternalIds { get; init; } = SyncTableCounts.Zero;

    [Id(2)] public SyncTableCounts Memberships { get; init; } = SyncTableCounts.Zero;

    [Id(3)] public SyncTableCounts Events { get; init; } = SyncTableCounts.Zero;

    /// <summary>Rows of all event tables (<c>track_…</c>) together.</summary>
    [Id(4)] public SyncTableCounts EventTables { get; init; } = SyncTableCounts.Zero;

    /// <summary>Rows of <c>discards</c>, which a run only adds.</summary>
    [Id(5)] public SyncTableCounts Discards { get; init; } = SyncTableCounts.Zero;

    public SyncCounts Plus(SyncCounts other) => new()
    {
        Profiles = Profiles.Plus(other.Profiles),
        ExternalIds = ExternalIds.Plus(other.ExternalIds),
        Memberships = Memberships.Plus(other.Memberships),
        Events = Events.Plus(other.Events),
        EventTables = EventTables.Plus(other.EventTables),
        Discards = Discards.Plus(other.Discards),
    };

    /// <summary>The rows of all tables together.</summary>
    public SyncTableCounts Total() =>
        Profiles.Plus(ExternalIds).Plus(Memberships).Plus(Events).Plus(EventTables).Plus(Discards);
}
