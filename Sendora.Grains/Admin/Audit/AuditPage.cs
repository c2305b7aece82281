namespace Sendora.Grains.Admin.Audit;

/// <summary>One page of audit entries, newest first, and the cursor of the next page, null on the last.</summary>
[GenerateSerializer, Immutable, Alias("sendora.AuditPage")]
public sealed record AuditPage(
    [property: Id(0)] IReadOnlyList<AuditEntry> Entries,
    [property: Id(1)] AuditPosition? Next);
