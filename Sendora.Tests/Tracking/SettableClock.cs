using System.Globalization;

namespace Sendora.Tests.Tracking;

/// <summary>
/// A <see cref="TimeProvider"/> whose UTC time stays fixed until a test moves it forward. Timers and
/// elapsed-time measurement keep the system's behaviour, so the silo in the same process runs normally.
/// </summary>
/// <remarks>
/// The silo shares this clock, and Orleans' activation collector fails when the time goes backwards,
/// so the clock only moves forward.
/// </remarks>
public sealed class SettableClock(DateTimeOffset start) : TimeProvider
{
    private readonly Lock _lock = new();
    private DateTimeOffset _utcNow = start.ToUniversalTime();

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _utcNow;
        }
    }

    /// <summary>
    /// Moves the clock to <paramref name="timeOfDay"/> (<c>HH:mm:ss.fff</c>, UTC) on the day after the
    /// current one, and returns that day as <c>yyyy-MM-dd</c>, for building timestamps around it.
    /// </summary>
    public string AdvanceToNextDay(string timeOfDay)
    {
        var time = TimeSpan.ParseExact(timeOfDay, @"hh\:mm\:ss\.FFFFFFF", CultureInfo.InvariantCulture);
        lock (_lock)
        {
            _utcNow = new DateTimeOffset(_utcNow.UtcDateTime.Date.AddDays(1) + time, TimeSpan.Zero);
            return _utcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Moves the clock forward by <paramref name="duration"/> and returns the new time.</summary>
    public DateTimeOffset Advance(TimeSpan duration)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        lock (_lock)
        {
            _utcNow += duration;
            return _utcNow;
        }
    }
}
