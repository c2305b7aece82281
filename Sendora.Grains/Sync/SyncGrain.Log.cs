using Microsoft.Extensions.Logging;

namespace Sendora.Grains.Sync;

public sealed partial class SyncGrain
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Started run {RunId} of sync {SyncKey}, triggered by {Trigger}")]
    private partial void LogRunStarted(string syncKey, string runId, string trigger);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Run {RunId} of sync {SyncKey} did not read the target's checkpoint within {Wait}; "
            + "the run goes on and sets its kind once the read ends")]
    private partial void LogRunOpenSlow(string syncKey, string runId, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Resumed run {RunId} of sync {SyncKey} from its last committed chunk after {Done} profiles")]
    private partial void LogRunResumed(string syncKey, string runId, long done);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Sync {SyncKey} committed a chunk of {Count} profiles: {Done} of {Total}")]
    private partial void LogChunkCommitted(string syncKey, int count, long done, long total);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Run {RunId} of sync {SyncKey} succeeded: {Added} rows added, {Updated} updated, {Deleted} deleted")]
    private partial void LogRunSucceeded(string syncKey, string runId, long added, long updated, long deleted);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} of sync {SyncKey} failed; {Failures} runs in a row have failed")]
    private partial void LogRunFailed(Exception exception, string syncKey, string runId, int failures);
}
