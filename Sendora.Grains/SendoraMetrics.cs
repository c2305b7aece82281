using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Sendora.Grains;

/// <summary>
/// The instruments of the <c>Sendora</c> meter, which grains and the gateway record to and both hosts export.
/// </summary>
/// <remarks>
/// Tags name configured things (workspace, source, audience, journey, channel) and fixed sets of codes, never a
/// profile, message or delivery id, so the number of series grows with configuration and not with traffic.
/// A change is counted once it is saved: a message once its profile persisted it, a membership change once the
/// audience's log contains it, a delivery once its final status is stored and a journey run once its grain saved it.
/// </remarks>
public static class SendoraMetrics
{
    /// <summary>The meter's name, which exporters subscribe to.</summary>
    public const string MeterName = "Sendora";

    public const string WorkspaceTag = "workspace";
    public const string SourceTag = "source";
    public const string CodeTag = "code";
    public const string AudienceTag = "audience";
    public const string KindTag = "kind";
    public const string ChannelTag = "channel";
    public const string StatusTag = "status";
    public const string JourneyTag = "journey";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> MessagesAccepted = Meter.CreateCounter<long>(
        "sendora.messages.accepted", "{message}", "Messages applied to a profile and persisted.");

    private static readonly Counter<long> MessagesRejected = Meter.CreateCounter<long>(
        "sendora.messages.rejected", "{message}",
        "Messages or whole requests rejected with a 4xx error code; the source is absent when the write key is unknown.");

    private static readonly Counter<long> MessagesDuplicate = Meter.CreateCounter<long>(
        "sendora.messages.duplicate", "{message}", "Messages dropped because their profile had already applied their messageId.");

    private static readonly Counter<long> MessagesSuppressed = Meter.CreateCounter<long>(
        "sendora.messages.suppressed", "{message}", "Messages dropped unstored because a regulation suppresses their userId.");

    private static readonly Counter<long> AudienceEvaluations = Meter.CreateCounter<long>(
        "sendora.audience.evaluations", "{evaluation}", "Audience conditions evaluated against a profile.");

    private static readonly Counter<long> MembershipChanges = Meter.CreateCounter<long>(
        "sendora.audience.membership.changes", "{change}", "Audience enters and exits written to an audience's log.");

    private static readonly Counter<long> Deliveries = Meter.CreateCounter<long>(
        "sendora.deliveries", "{delivery}", "Deliveries that reached a final status.");

    private static readonly Counter<long> JourneyRunsEntered = Meter.CreateCounter<long>(
        "sendora.journey.runs.entered", "{run}", "Journey runs started.");

    private static readonly Counter<long> JourneyRunsCompleted = Meter.CreateCounter<long>(
        "sendora.journey.runs.completed", "{run}", "Journey runs that reached the end of their journey.");

    private static readonly Counter<long> JourneyRunsExited = Meter.CreateCounter<long>(
        "sendora.journey.runs.exited", "{run}", "Journey runs ended early by an exit rule, an exit step or a merge.");

    private static readonly Counter<long> JourneyRunsConverted = Meter.CreateCounter<long>(
        "sendora.journey.runs.converted", "{run}", "Journey runs that reached their journey's goal.");

    private static readonly Counter<long> MemoryTrims = Meter.CreateCounter<long>(
        "sendora.memory.trims", "{trim}", "Aggressive full garbage collections run because the process turned quiet.");

    private static readonly Counter<long> MemoryTrimmed = Meter.CreateCounter<long>(
        "sendora.memory.trimmed", "By", "Committed memory that quiet-time collections returned to the operating system.");

    /// <summary>Counts the accepted and duplicate messages of one request from a source.</summary>
    public static void RecordMessages(string workspaceId, string sourceId, long accepted, long duplicates, long suppressed = 0)
    {
        var tags = new TagList { { WorkspaceTag, workspaceId }, { SourceTag, sourceId } };
        if (accepted > 0)
        {
            MessagesAccepted.Add(accepted, tags);
        }

        if (duplicates > 0)
        {
            MessagesDuplicate.Add(duplicates, tags);
        }

        if (suppressed > 0)
        {
            MessagesSuppressed.Add(suppressed, tags);
        }
    }

    /// <summary>
    /// Counts rejected messages with their error code. <paramref name="workspaceId"/> and
    /// <paramref name="sourceId"/> are null when the request carried no valid write key.
    /// </summary>
    public static void RecordRejected(string? workspaceId, string? sourceId, string code, long count = 1)
    {
        var tags = new TagList { { CodeTag, code } };
        if (workspaceId is not null && sourceId is not null)
        {
            tags.Add(WorkspaceTag, workspaceId);
            tags.Add(SourceTag, sourceId);
        }

        MessagesRejected.Add(count, tags);
    }

    /// <summary>Counts the audience conditions that one evaluation of a profile ran.</summary>
    public static void RecordAudienceEvaluations(string workspaceId, long count)
    {
        if (count > 0)
        {
            AudienceEvaluations.Add(count, new KeyValuePair<string, object?>(WorkspaceTag, workspaceId));
        }
    }

    /// <summary>Counts membership changes of one kind (<c>enter</c> or <c>exit</c>) written to an audience's log.</summary>
    public static void RecordMembershipChanges(string workspaceId, string audienceId, string kind, long count)
    {
        if (count > 0)
        {
            MembershipChanges.Add(count, new TagList { { WorkspaceTag, workspaceId }, { AudienceTag, audienceId }, { KindTag, kind } });
        }
    }

    /// <summary>Counts a delivery that reached a final status such as <c>sent</c> or <c>failed</c>.</summary>
    public static void RecordDelivery(string workspaceId, string channel, string status) =>
        Deliveries.Add(1, new TagList { { WorkspaceTag, workspaceId }, { ChannelTag, channel }, { StatusTag, status } });

    /// <summary>Counts journey runs that entered, completed, exited or converted in one saved pass.</summary>
    public static void RecordJourneyRuns(string workspaceId, string journeyId, long entered, long completed, long exited, long converted)
    {
        var tags = new TagList { { WorkspaceTag, workspaceId }, { JourneyTag, journeyId } };
        AddIfPositive(JourneyRunsEntered, entered, tags);
        AddIfPositive(JourneyRunsCompleted, completed, tags);
        AddIfPositive(JourneyRunsExited, exited, tags);
        AddIfPositive(JourneyRunsConverted, converted, tags);
    }

    /// <summary>Counts one quiet-time collection and the committed bytes it returned, zero when it grew.</summary>
    public static void RecordMemoryTrim(long returnedBytes)
    {
        MemoryTrims.Add(1);
        MemoryTrimmed.Add(Math.Max(returnedBytes, 0));
    }

    private static void AddIfPositive(Counter<long> counter, long value, in TagList tags)
    {
        if (value > 0)
        {
            counter.Add(value, tags);
        }
    }
}
