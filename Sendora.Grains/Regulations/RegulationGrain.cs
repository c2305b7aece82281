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

        // The list applies the suppression and checks its limit before anything of this grain is stored. A request
        // that fails here leaves no regulation behind that a reminder could carry out later.
        var current = request.Copy();
        var summary = new RegulationSummary(current.Id, current.RegulationType, current.CreatedAt, current.Subjects.Count);
        await GrainFactory.GetGrain<IRegulationListGrain>(_workspaceId)
            .RegisterAsync(summary, [.. current.Subjects.Select(subject => subject.SubjectId)]);
        var erases = RegulationTypes.Deletes(current.RegulationType);
        if (erases)
        {
            // Registered before the state, so that every stored running regulation has a reminder to resume it.
            await this.RegisterOrUpdateReminder(ResumeReminder, ResumePeriod, ResumePeriod);
        }
        else
        {
            foreach (var subject in current.Subjects)
            {
                subject.Status = RegulationStatuses.Finished;
            }

            current.Status = RegulationStatuses.Finished;
            current.FinishedAt = clock.GetUtcNow();
        }

        regulation.State.Regulation = current;
        await regulation.WriteStateAsync();
        if (erases)
        {
            ScheduleRun();
        }
        else
        {
            LogFinished(current.Id, current.RegulationType, current.Status, current.Subjects.Count);
        }

        return current.Copy();
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

        ScheduleRun();
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
        if (IsFinal(current.Status))
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
                subject.ErasedProfileIds = [.. erased];
                await ForwardDeletionAsync(current, subject);
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
}
