using System.ComponentModel.DataAnnotations;

namespace Sendora.Grains.Admin.Audit;

/// <summary>Settings of the audit log, bound from <c>Sendora:Audit</c>.</summary>
public sealed class AuditOptions
{
    public const string SectionName = "Sendora:Audit";

    /// <summary>
    /// How long audit entries are kept. Default 90 days, at least 1 day and at most 3,650. Entries are dropped a
    /// whole UTC day at a time, once the end of their day is older than this, and reads leave out older entries
    /// even before their day is dropped.
    /// </summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00",
        ErrorMessage = "Sendora:Audit:Retention must be from 1.00:00:00 (1 day) to 3650.00:00:00 (3,650 days).")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(90);
}
