namespace Sendora.Grains.Admin.Audit;

/// <summary>
/// One admin change: its id, when it was made, by which actor, the action, the object it changed and that
/// object's JSON value before and after. Build entries with <see cref="AuditStamp.ToEntry"/>, which bounds
/// the values.
/// </summary>
/// <remarks>Member ids 0 to 5 match the entries that workspace state stored before the audit log existed.</remarks>
[GenerateSerializer, Immutable, Alias("sendora.AuditEntry")]
public sealed record AuditEntry(
    [property: Id(6)] string Id,
    [property: Id(0)] DateTimeOffset At,
    [property: Id(1)] string Actor,
    [property: Id(2)] string Action,
    [property: Id(3)] string Target,
    [property: Id(4)] string? Before,
    [property: Id(5)] string? After)
{
    /// <summary>The position of this entry in the log's newest-first order.</summary>
    public AuditPosition Position => new(At, Id);
}
