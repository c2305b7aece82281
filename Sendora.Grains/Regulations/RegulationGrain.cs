using Microsoft.Extensions.Logging;
using Sendora.Grains.Audiences;
using Sendora.Grains.Identity;

namespace Sendora.Grains.Regulations;

/// <inheritdoc cref="IRegulationGrain"/>
public sealed partial class RegulationGrain(
    [PersistentState("regulation", SendoraNames.GrainStorage)] IPersistentState<RegulationState> regulation,
    AudienceCatalogCache catalogs,
    TimeProvider clock,
    ILogger<RegulationGrain> logger) : Grain, IRegulationGrain, IRemindable
{
    private const string ResumeReminder = "regulation";

    // Orleans' minimum reminder period (ReminderOptions.MinimumReminderPeriod) defaults to one minute.
    private static readonly TimeSpan ResumePeriod = TimeSpan.FromMinutes(1);

    private string _workspaceId = string.Empty;
    private IGrainTimer? _runTimer;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_workspaceId, _) = GrainKeys.Split(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public async Task<Regulation> StartAsync(Regulation request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (regulation.State.Regulation is { } existing)
        {
            return existing.Copy();
        }

        regulation.State.Regulation = request.Copy();
        await regulation.WriteStateAsync();

        // The reminder registers, and applies the suppression, again if anything below fails.
        await this.RegisterOrUpdateReminder(ResumeReminder, ResumePeriod, ResumePeriod);
        await RegisterAsync();
        ScheduleRun();
        return regulation.State.Regulation.Copy();
    }

    public Task<Regulation?> GetAsync() => Task.FromResult(regulation.State.Regulation?.Copy());

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != ResumeReminder)
        {
            return;
        }

        if (regulation.State.Regulation is not { } current || IsFinal(current.Status))
        {
            await UnregisterResumeReminderAsync();
            return;
        }

        try
        {
            await RegisterAsync();
        }
        catch (SuppressionLimitException)
        {
            // RegisterAsync marked the regulation failed.
        }

        ScheduleRun();
    }

    /// <summary>
    /// Lists the regulation with its workspace and applies its suppression, once. A suppression over the workspace's
    /// limit fails the whole regulation, so no profile is erased for a request whose caller received an error.
    /// </summary>
    private async Task RegisterAsync()
    {
        var state = regulation.State;
        var current = state.Regulation!;
        if (state.Registered)
        {
            return;
        }

        var summary = new RegulationSummary(current.Id, current.RegulationType, current.CreatedAt, current.Subjects.Count);
        try
        {
            await GrainFactory.GetGrain<IRegulationListGrain>(_workspaceId)
                .RegisterAsync(summary, [.. current.Subjects.Select(subject => subject.SubjectId)]);
        }
        catch (SuppressionLimitException exception)
        {
            foreach (var subject in current.Subjects)
            {
                subject.Status = RegulationStatuses.Failed;
                subject.Error = exception.Message;
            }

            await FinishAsync(RegulationStatuses.Failed);
            throw;
        }

        state.Registered = true;
        if (!RegulationTypes.Deletes(current.RegulationType))
        {
            foreach (var subject in current.Subjects)
            {
                subject.Status = RegulationStatuses.Finished;
            }

            await FinishAsync(RegulationStatuses.Finished);
            return;
        }

        await regulation.WriteStateAsync();
    }

    private void ScheduleRun()
    {
        if (_runTimer is not null || regulation.State.Regulation is not { } current || IsFinal(current.Status))
        {
            return;
        }

        _runTimer = this.RegisterGrainTimer(
            _ => RunAsync(),
            new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan) { KeepAlive = true });
    }

    /// <summary>Erases the profiles of each subject not yet done, saving after each, and finishes the regulation.</summary>
    private async Task RunAsync()
    {
        _runTimer?.Dispose();
        _runTimer = null;
        var current = regulation.State.Regulation!;
        if (!regulation.State.Registered || IsFinal(current.Status))
        {
            return;
        }

        var eraser = new ProfileEraser(GrainFactory, _workspaceId);
        foreach (var subject in current.Subjects.Where(subject => subject.Status == RegulationStatuses.Running))
        {
            subject.Attempts++;
            try
            {
                if (subject.ProfileId is null)
                {
                    subject.ProfileId = await eraser.FindAsync(new ExternalIdKey("user_id", subject.SubjectId));
                    if (subject.ProfileId is not null)
                    {
                        await regulation.WriteStateAsync();
                    }
                }

                var erased = subject.ProfileId is { } profileId ? await eraser.EraseAsync(profileId) : [];
                await ForwardDeletionAsync(current, subject);
                subject.ErasedProfileIds = [.. erased];
                subject.Status = RegulationStatuses.Finished;
                subject.Error = null;
            }
            catch (Exception exception)
            {
                LogEraseFailed(exception, current.Id, subject.Attempts);
                subject.Error = $"Erasing the profile failed: {exception.Message}";
                if (subject.Attempts >= RegulationLimits.MaxAttempts)
                {
                    subject.Status = RegulationStatuses.Failed;
                }
            }

            await regulation.WriteStateAsync();
        }

        if (current.Subjects.Exists(subject => subject.Status == RegulationStatuses.Running))
        {
            // The reminder tries the failed subjects again a minute from now.
            return;
        }

        var failed = current.Subjects.Count(subject => subject.Status == RegulationStatuses.Failed);
        await FinishAsync(failed == 0 ? RegulationStatuses.Finished
            : failed == current.Subjects.Count ? RegulationStatuses.Failed
            : RegulationStatuses.PartialSuccess);
    }

    private async Task FinishAsync(string status)
    {
        var current = regulation.State.Regulation!;
        current.Status = status;
        current.FinishedAt = clock.GetUtcNow();
        await regulation.WriteStateAsync();
        LogFinished(current.Id, current.RegulationType, status, current.Subjects.Count);
        await UnregisterResumeReminderAsync();
    }

    private async Task UnregisterResumeReminderAsync()
    {
        if (await this.GetReminder(ResumeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private static bool IsFinal(string status) => status != RegulationStatuses.Running;

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Failed to erase a subject of regulation {RegulationId} (attempt {Attempt})")]
    private partial void LogEraseFailed(Exception exception, string regulationId, int attempt);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Regulation {RegulationId} ({RegulationType}) ended {Status} for {SubjectCount} subjects")]
    private partial void LogFinished(string regulationId, string regulationType, string status, int subjectCount);
}

/// <summary>The persisted state of one regulation.</summary>
[GenerateSerializer, Alias("sendora.RegulationState")]
public sealed class RegulationState
{
    [Id(0)] public Regulation? Regulation { get; set; }

    /// <summary>True once the workspace's list took the regulation and its suppression.</summary>
    [Id(1)] public bool Registered { get; set; }
}
