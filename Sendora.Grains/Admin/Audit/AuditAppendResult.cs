namespace Sendora.Grains.Admin.Audit;

/// <summary>What an audit segment did with an entry that it was given.</summary>
public enum AuditAppendResult
{
    /// <summary>The entry is stored.</summary>
    Appended,

    /// <summary>The segment already had an entry with this id, so it kept that one.</summary>
    Duplicate,

    /// <summary>The entry would take the segment past its size limit; it belongs in a new segment.</summary>
    Full,
}
