using Orleans.Concurrency;

namespace Sendora.Grains.Inspection;

/// <summary>
/// A grain whose live state the admin API can read. Inspection never writes state, registers timers or
/// reminders, or changes a counter; it returns what the activation holds in memory.
/// </summary>
public interface IInspectable : IGrain
{
    /// <summary>
    /// Returns the activation's state as JSON with the silo that hosts it. Every JSON array or object
    /// with more than <paramref name="maxItems"/> entries is cut to its first <paramref name="maxItems"/>,
    /// and <see cref="GrainInspection.Truncated"/> lists each cut.
    /// </summary>
    [ReadOnly]
    Task<GrainInspection> InspectAsync(int maxItems);
}
