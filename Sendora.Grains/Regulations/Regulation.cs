namespace Sendora.Grains.Regulations;

/// <summary>The kinds of regulation, named as in Segment's Public API so that existing scripts keep their values.</summary>
public static class RegulationTypes
{
    /// <summary>Drops every later message whose userId is a subject, without storing it.</summary>
    public const string Suppress = "SUPPRESS";

    /// <summary>Ends the suppression of the subjects.</summary>
    public const string Unsuppress = "UNSUPPRESS";

    /// <summary>Erases the profiles of the subjects and everything stored about them.</summary>
    public const string Delete = "DELETE";

    /// <summary>Suppresses the subjects, then erases their profiles.</summary>
    public const string SuppressWithDelete = "SUPPRESS_WITH_DELETE";

    public static readonly IReadOnlyList<string> All = [Suppress, Unsuppress, Delete, SuppressWithDelete];

    public static bool Suppresses(string type) => type is Suppress or SuppressWithDelete;

    public static bool Deletes(string type) => type is Delete or SuppressWithDelete;
}

/// <summary>The statuses of a regulation and of each of its subjects.</summary>
public static class RegulationStatuses
{
    public const string Running = "RUNNING";

    public const string Finished = "FINISHED";

    /// <summary>Some subjects finished and others failed.</summary>
    public const string PartialSuccess = "PARTIAL_SUCCESS";

    public const string Failed = "FAILED";
}

/// <summary>The limits of regulations.</summary>
public static class RegulationLimits
{
    /// <summary>The only subject type: a regulation names people by their userId.</summary>
    public const string UserIdSubject = "USER_ID";

    /// <summary>The maximum number of subject ids in one regulation.</summary>
    public const int MaxSubjectIds = 1_000;

    /// <summary>
    /// The maximum number of userIds one workspace keeps suppressed. Every gateway keeps the whole list in memory, and
    /// storage keeps it as one record.
    /// </summary>
    public const int MaxSuppressedIds = 10_000;

    /// <summary>
    /// The maximum size of one workspace's suppressed userIds, in UTF-8 bytes. Orleans' Azure Table storage writes at
    /// most 983,040 bytes per record. NOTE: the room left for the regulation id and time beside each id, and for the
    /// list of regulations, is an estimate of about 50 bytes per entry, not a measurement.
    /// </summary>
    public const int MaxSuppressedIdBytes = 400_000;

    /// <summary>How many times a subject is tried before it is marked failed.</summary>
    public const int MaxAttempts = 5;
}

/// <summary>One regulation: what it does to which people, and how far it got.</summary>
[GenerateSerializer, Alias("sendora.Regulation")]
public sealed class Regulation
{
    [Id(0)] public required string Id { get; init; }

    /// <summary>One of <see cref="RegulationTypes"/>.</summary>
    [Id(1)] public required string RegulationType { get; init; }

    [Id(2)] public string SubjectType { get; init; } = RegulationLimits.UserIdSubject;

    /// <summary>One of <see cref="RegulationStatuses"/>.</summary>
    [Id(3)] public string Status { get; set; } = RegulationStatuses.Running;

    [Id(4)] public DateTimeOffset CreatedAt { get; init; }

    [Id(5)] public DateTimeOffset? FinishedAt { get; set; }

    [Id(6)] public List<RegulationSubject> Subjects { get; init; } = [];

    /// <summary>Who created the regulation, as the audit log names admin callers.</summary>
    [Id(7)] public string? CreatedBy { get; init; }

    public Regulation Copy() => new()
    {
        Id = Id,
        RegulationType = RegulationType,
        SubjectType = SubjectType,
        Status = Status,
        CreatedAt = CreatedAt,
        FinishedAt = FinishedAt,
        CreatedBy = CreatedBy,
        Subjects = [.. Subjects.Select(subject => subject.Copy())],
    };
}

/// <summary>One person named by a regulation and what was done for them.</summary>
[GenerateSerializer, Alias("sendora.RegulationSubject")]
public sealed class RegulationSubject
{
    [Id(0)] public required string SubjectId { get; init; }

    /// <summary><see cref="RegulationStatuses.Running"/>, <see cref="RegulationStatuses.Finished"/> or <see cref="RegulationStatuses.Failed"/>.</summary>
    [Id(1)] public string Status { get; set; } = RegulationStatuses.Running;

    /// <summary>The profiles erased for this person: the one that had the userId and those it had absorbed.</summary>
    [Id(2)] public List<string> ErasedProfileIds { get; set; } = [];

    [Id(3)] public int Attempts { get; set; }

    /// <summary>The last failure, while the subject is retried or after it failed.</summary>
    [Id(4)] public string? Error { get; set; }

    /// <summary>
    /// The profile found for the userId, saved before its erasure starts. A retry erases this profile, because
    /// the erasure releases the userId's Identity grain before it empties the profile.
    /// </summary>
    [Id(5)] public string? ProfileId { get; set; }

    public RegulationSubject Copy() => new()
    {
        SubjectId = SubjectId,
        Status = Status,
        ErasedProfileIds = [.. ErasedProfileIds],
        Attempts = Attempts,
        Error = Error,
        ProfileId = ProfileId,
    };
}

/// <summary>A regulation in its workspace's list, newest first.</summary>
[GenerateSerializer, Immutable, Alias("sendora.RegulationSummary")]
public sealed record RegulationSummary(
    [property: Id(0)] string Id,
    [property: Id(1)] string RegulationType,
    [property: Id(2)] DateTimeOffset CreatedAt,
    [property: Id(3)] int SubjectCount);

/// <summary>A suppressed userId and the regulation that suppressed it.</summary>
[GenerateSerializer, Immutable, Alias("sendora.Suppression")]
public sealed record Suppression(
    [property: Id(0)] string UserId,
    [property: Id(1)] string RegulationId,
    [property: Id(2)] DateTimeOffset SuppressedAt);

/// <summary>One page of a workspace's suppressed userIds, and how many it has in all.</summary>
[GenerateSerializer, Immutable, Alias("sendora.SuppressionPage")]
public sealed record SuppressionPage(
    [property: Id(0)] IReadOnlyList<Suppression> Data,
    [property: Id(1)] int Total);

/// <summary>Every suppressed userId of a workspace, at one version of the list.</summary>
[GenerateSerializer, Immutable, Alias("sendora.SuppressionSet")]
public sealed record SuppressionSet(
    [property: Id(0)] long Version,
    [property: Id(1)] IReadOnlyList<string> UserIds);

/// <summary>Raised when a regulation would suppress more userIds than a workspace keeps.</summary>
[GenerateSerializer, Alias("sendora.SuppressionLimitException")]
public sealed class SuppressionLimitException(string message) : Exception(message);
