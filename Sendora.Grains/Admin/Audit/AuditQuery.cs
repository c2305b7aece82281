namespace Sendora.Grains.Admin.Audit;

/// <summary>Filters of an audit log read. Null filters match every entry.</summary>
[GenerateSerializer, Immutable, Alias("sendora.AuditQuery")]
public sealed record AuditQuery
{
    /// <summary>The earliest time an entry may have, inclusive.</summary>
    [Id(0)] public DateTimeOffset? From { get; init; }

    /// <summary>The time every entry must be earlier than, exclusive.</summary>
    [Id(1)] public DateTimeOffset? To { get; init; }

    /// <summary>The actor name an entry must have.</summary>
    [Id(2)] public string? Actor { get; init; }

    /// <summary>The action an entry must have, such as <c>audience.update</c>.</summary>
    [Id(3)] public string? Action { get; init; }

    /// <summary>
    /// A target path an entry's target must equal or lie under, compared by whole segments:
    /// <c>workspaces/w1/audiences/vip</c> matches <c>workspaces/w1/audiences/vip</c> and anything below it, not
    /// <c>workspaces/w1/audiences/vip2</c>. A prefix that ends with <c>/</c> matches everything below it.
    /// </summary>
    [Id(4)] public string? TargetPrefix { get; init; }

    /// <summary>The maximum number of entries to return.</summary>
    [Id(5)] public int Limit { get; init; } = 100;

    /// <summary>The cursor of the previous page: only entries after this position, that is older, are returned.</summary>
    [Id(6)] public AuditPosition? After { get; init; }

    /// <summary>Returns true when <paramref name="entry"/> passes every filter and lies after the cursor.</summary>
    public bool Matches(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return (From is not { } from || entry.At >= from)
            && (To is not { } to || entry.At < to)
            && (Actor is null || entry.Actor == Actor)
            && (Action is null || entry.Action == Action)
            && (TargetPrefix is null || IsUnder(entry.Target, TargetPrefix))
            && (After is null || After.IsBefore(entry));
    }

    private static bool IsUnder(string target, string prefix) =>
        target.StartsWith(prefix, StringComparison.Ordinal)
        && (target.Length == prefix.Length || prefix.EndsWith('/') || target[prefix.Length] == '/');
}
