using System.Globalization;
using System.Security.Cryptography;

namespace Sendora.Grains.Admin.Audit;

/// <summary>Who makes a change and when, with the id its audit entry will have.</summary>
[GenerateSerializer, Immutable, Alias("sendora.AuditStamp")]
public sealed record AuditStamp(
    [property: Id(0)] string EntryId,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string Actor)
{
    // Entries of one process that share a millisecond sort by this counter, so a frozen or coarse clock still
    // lists them in the order they were made. It starts at a random value so that processes rarely collide.
    private static long _sequence = RandomNumberGenerator.GetInt32(int.MaxValue);

    /// <summary>
    /// Creates a stamp at <paramref name="at"/>, in UTC and cut to the millisecond, with a new entry id: the
    /// millisecond, a per-process sequence and random bits, as 32 hex digits.
    /// </summary>
    public static AuditStamp New(string actor, DateTimeOffset at)
    {
        ArgumentException.ThrowIfNullOrEmpty(actor);
        var sequence = Interlocked.Increment(ref _sequence) & 0xFFFF_FFFF_FFFF;
        var milliseconds = Math.Max(0, at.ToUnixTimeMilliseconds());
        var id = string.Create(CultureInfo.InvariantCulture,
            $"{milliseconds:x12}{sequence:x12}{RandomNumberGenerator.GetHexString(8, lowercase: true)}");

        // The HTTP APIs show times to the millisecond, so entries keep no finer time than a reader can filter by.
        return new AuditStamp(id, DateTimeOffset.FromUnixTimeMilliseconds(milliseconds), actor);
    }

    /// <summary>Builds the entry of this stamp, cutting each value to <see cref="AuditValues.MaxBytes"/>.</summary>
    public AuditEntry ToEntry(string action, string target, string? before, string? after)
    {
        ArgumentException.ThrowIfNullOrEmpty(action);
        ArgumentException.ThrowIfNullOrEmpty(target);
        return new AuditEntry(EntryId, At, Actor, action, target, AuditValues.Bound(before), AuditValues.Bound(after));
    }
}
