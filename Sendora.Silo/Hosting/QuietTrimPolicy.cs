namespace Sendora.Silo.Hosting;

/// <summary>
/// The decision of <see cref="MemoryTrimmer"/>: trim once each time the process turns quiet after a busy interval, and
/// only when it has allocated at least <see cref="MemoryTrimOptions.MinAllocatedSinceTrim"/> since its last trim.
/// </summary>
/// <remarks>
/// A process that stays quiet trims at most once, so a silo under light, steady traffic is not stopped again and
/// again. The process's start counts as a busy interval, because it allocates everything the process keeps.
/// </remarks>
public sealed class QuietTrimPolicy(MemoryTrimOptions options)
{
    private bool _busySinceTrim = true;
    private long _allocatedSinceTrim;

    /// <summary>Records one check interval and returns whether the process should trim now.</summary>
    public bool Observe(long allocatedInInterval, TimeSpan interval)
    {
        _allocatedSinceTrim += allocatedInInterval;
        var quiet = allocatedInInterval <= options.QuietAllocationRate * interval.TotalSeconds;
        if (!quiet)
        {
            _busySinceTrim = true;
            return false;
        }

        if (!_busySinceTrim || _allocatedSinceTrim < options.MinAllocatedSinceTrim)
        {
            return false;
        }

        _busySinceTrim = false;
        _allocatedSinceTrim = 0;
        return true;
    }
}
