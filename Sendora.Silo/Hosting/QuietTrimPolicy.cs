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

    // An interval too short to judge, carried into the next one.
    private long _carriedBytes;
    private TimeSpan _carriedTime;

    /// <summary>Records one check interval and returns whether the process should trim now.</summary>
    public bool Observe(long allocatedInInterval, TimeSpan interval)
    {
        _allocatedSinceTrim += allocatedInInterval;
        allocatedInInterval += _carriedBytes;
        interval += _carriedTime;
        if (interval < options.CheckInterval / 2)
        {
            // A check that was due while the process ran late follows the previous one at once, and so short an
            // interval shows next to no allocation however busy the process is. It is judged with the next one.
            (_carriedBytes, _carriedTime) = (allocatedInInterval, interval);
            return false;
        }

        (_carriedBytes, _carriedTime) = (0, TimeSpan.Zero);
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
