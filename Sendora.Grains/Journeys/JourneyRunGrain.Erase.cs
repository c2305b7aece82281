using Microsoft.Extensions.Logging;

namespace Sendora.Grains.Journeys;

public sealed partial class JourneyRunGrain
{
    /// <summary>The end reason of the runs that an erasure of the profile ended.</summary>
    public const string ErasedReason = "the profile was deleted";

    public async Task<IReadOnlyList<string>> EraseAsync(bool followed)
    {
        ThrowIfFailed();
        var state = runs.State;
        if (state.ErasedAt is null)
        {
            if (!runs.RecordExists && state.Runs.Count == 0 && !followed)
            {
                return [];
            }

            try
            {
                await EraseRunsAsync();
            }
            catch (Exception exception)
            {
                DropActivation(exception);
                throw;
            }
        }

        // Runs on every call, so that a call made again after a failure between the save and this point still removes
        // the wake-up and sends the counters.
        if (await this.GetReminder(WakeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        await FlushReportsAsync();
        return [.. state.Runs.SelectMany(run => run.Deliveries).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Ends the active runs, clears the person's data from every run and saves the state with the counter changes in
    /// one write. The counters keep the ended runs as exited at their step, so entered runs still add up to active,
    /// completed and exited ones.
    /// </summary>
    private async Task EraseRunsAsync()
    {
        var state = runs.State;
        var now = clock.GetUtcNow();
        var ended = 0;
        foreach (var run in state.Runs.Where(r => JourneyRunStatuses.IsActive(r.Status)))
        {
            End(run, JourneyRunStatuses.Exited, ErasedReason, now);
            ended++;
        }

        foreach (var run in state.Runs)
        {
            run.TriggerEvent = null;
            run.EntryKey = string.Empty;
            run.TriggerSignalId = string.Empty;
        }

        // Signal ids contain the profile id and serve only to drop repeats, and an erased grain drops every signal.
        state.SeenSignals.Clear();
        _seen!.Clear();
        var report = QueueReport();
        state.ErasedAt = now;
        state.ReminderDue = null;
        _timer?.Dispose();
        _timer = null;
        await WriteStateAsync();
        _dirty = false;
        if (report is not null)
        {
            RecordMetrics(report);
        }

        LogErased(Key, state.Runs.Count, ended);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Erased the profile's data from {RunCount} runs of {Key}, ending {EndedCount}")]
    private partial void LogErased(string key, int runCount, int endedCount);
}
