using System.Security.Cryptography;
using System.Text.Json;
using Sendora.Gateway.Tracking;
using Sendora.Grains;
using Sendora.Grains.Admin;
using Sendora.Grains.Regulations;

namespace Sendora.Gateway.Admin;

public static partial class AdminApi
{
    // The maximum userId length of the tracking API, so that a regulation can name every stored userId.
    private const int MaxSubjectIdLength = 512;

    private static void MapRegulationRoutes(RouteGroupBuilder admin)
    {
        admin.MapPost("/workspaces/{workspaceId}/regulations", CreateRegulationAsync).WithName("CreateRegulation")
            .WithSummary("Suppresses, unsuppresses or deletes the data of people by userId; erasing runs in the background");
        admin.MapGet("/workspaces/{workspaceId}/regulations", ListRegulationsAsync).WithName("ListRegulations")
            .WithSummary("Lists the workspace's regulations, newest first");
        admin.MapGet("/workspaces/{workspaceId}/regulations/{regulationId}", GetRegulationAsync).WithName("GetRegulation")
            .WithSummary("Returns a regulation with the status of each subject");
        admin.MapGet("/workspaces/{workspaceId}/suppressions", ListSuppressionsAsync).WithName("ListSuppressions")
            .WithSummary("Lists the suppressed userIds, oldest first");
    }

    private static async Task<IResult> CreateRegulationAsync(
        string workspaceId,
        CreateRegulationRequest request,
        IGrainFactory grains,
        SuppressionCache suppressions,
        TimeProvider clock,
        AdminActor actor)
    {
        if (ValidateRegulation(request, out var subjectIds) is { } invalid)
        {
            return invalid;
        }

        if (await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var type = request.RegulationType!.ToUpperInvariant();
        var now = clock.GetUtcNow();
        var regulation = new Regulation
        {
            Id = $"rg_{now.ToUnixTimeMilliseconds():x12}{RandomNumberGenerator.GetHexString(12, lowercase: true)}",
            RegulationType = type,
            CreatedAt = now,
            CreatedBy = actor.Name,
            Subjects = [.. subjectIds.Select(id => new RegulationSubject { SubjectId = id })],
        };

        Regulation started;
        try
        {
            started = await grains.GetGrain<IRegulationGrain>(GrainKeys.Scoped(workspaceId, regulation.Id)).StartAsync(regulation);
        }
        catch (SuppressionLimitException exception)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Too many suppressed userIds",
                detail: $"{exception.Message} Nothing of this regulation was stored.");
        }
        finally
        {
            suppressions.Forget(workspaceId);
        }

        // The audit entry counts the subjects without naming them, so the log keeps no userId of an erased person.
        await RecordAuditAsync(grains, workspaceId, actor.Change("regulation.create",
            $"workspaces/{workspaceId}/regulations/{regulation.Id}", null,
            new { regulation.Id, regulationType = type, subjectCount = subjectIds.Count }));
        return TypedResults.Json(RegulationView(started), statusCode: StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// Returns a 400 problem naming the first invalid field of <paramref name="request"/>, or null with the distinct
    /// userIds of its subjects in <paramref name="subjectIds"/>, read as the tracking API reads a userId.
    /// </summary>
    private static IResult? ValidateRegulation(CreateRegulationRequest request, out List<string> subjectIds)
    {
        subjectIds = [];
        if (request.RegulationType is null
            || !RegulationTypes.All.Contains(request.RegulationType.ToUpperInvariant(), StringComparer.Ordinal))
        {
            return Invalid("regulationType", $"one of {string.Join(", ", RegulationTypes.All)}");
        }

        if (request.SubjectType is { } subjectType
            && !string.Equals(subjectType, RegulationLimits.UserIdSubject, StringComparison.OrdinalIgnoreCase))
        {
            return Invalid("subjectType", $"{RegulationLimits.UserIdSubject}, the only subject type");
        }

        if (request.SubjectIds is not { Count: > 0 } ids)
        {
            return Invalid("subjectIds", "a list of 1 to 1,000 userIds");
        }

        if (ids.Count > RegulationLimits.MaxSubjectIds)
        {
            return Invalid("subjectIds",
                $"a list of at most {RegulationLimits.MaxSubjectIds:N0} userIds, not {ids.Count:N0}; send the rest in another regulation");
        }

        var cleaned = new List<string>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            // A numeric userId is stored as its JSON text, so suppressing 42 drops a message with "userId": 42.
            if (!MessageNormalizer.TryReadId(ids[i], out var id))
            {
                return Invalid($"subjectIds[{i}]",
                    $"a userId, as a string or a number, not {MessageNormalizer.Describe(ids[i])}");
            }

            // The tracking API takes a blank userId as missing, so such an id names no one.
            if (id is null)
            {
                return Invalid($"subjectIds[{i}]", "a userId that is not empty or blank");
            }

            if (id.Length > MaxSubjectIdLength)
            {
                return Invalid($"subjectIds[{i}]", $"a userId of at most {MaxSubjectIdLength} characters, not {id.Length}");
            }

            cleaned.Add(id);
        }

        subjectIds = [.. cleaned.Distinct(StringComparer.Ordinal)];
        return null;
    }

    private static async Task<IResult> ListRegulationsAsync(
        string workspaceId, IGrainFactory grains, int? limit = null, int? offset = null)
    {
        if (ValidatePage(limit, offset) is { } invalid)
        {
            return invalid;
        }

        if (await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var list = grains.GetGrain<IRegulationListGrain>(workspaceId);
        var summaries = await list.ListAsync(offset ?? 0, limit ?? 50);
        var regulations = await Task.WhenAll(summaries.Select(summary => grains
            .GetGrain<IRegulationGrain>(GrainKeys.Scoped(workspaceId, summary.Id)).GetAsync()));
        return TypedResults.Ok(new
        {
            data = regulations.OfType<Regulation>().Select(regulation => RegulationView(regulation, withSubjects: false)),
            total = await list.CountAsync(),
        });
    }

    private static async Task<IResult> GetRegulationAsync(string workspaceId, string regulationId, IGrainFactory grains) =>
        await grains.GetGrain<IRegulationGrain>(GrainKeys.Scoped(workspaceId, regulationId)).GetAsync() is { } regulation
            ? TypedResults.Ok(RegulationView(regulation))
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Regulation not found",
                detail: $"Workspace '{workspaceId}' has no regulation with the id '{regulationId}'.");

    private static async Task<IResult> ListSuppressionsAsync(
        string workspaceId, IGrainFactory grains, int? limit = null, int? offset = null)
    {
        if (ValidatePage(limit, offset) is { } invalid)
        {
            return invalid;
        }

        if (await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var page = await grains.GetGrain<IRegulationListGrain>(workspaceId).ListSuppressionsAsync(offset ?? 0, limit ?? 50);
        return TypedResults.Ok(new { data = page.Data, total = page.Total });
    }

    private static object RegulationView(Regulation regulation, bool withSubjects = true) => new
    {
        regulation.Id,
        regulation.RegulationType,
        regulation.SubjectType,
        regulation.Status,
        regulation.CreatedAt,
        regulation.FinishedAt,
        regulation.CreatedBy,
        subjectCount = regulation.Subjects.Count,
        finishedSubjects = regulation.Subjects.Count(subject => subject.Status == RegulationStatuses.Finished),
        failedSubjects = regulation.Subjects.Count(subject => subject.Status == RegulationStatuses.Failed),
        subjects = withSubjects
            ? regulation.Subjects.Select(subject => new
            {
                subject.SubjectId,
                subject.Status,
                subject.ErasedProfileIds,
                subject.Attempts,
                subject.Error,
            })
            : null,
    };
}

/// <summary>
/// The body of a regulation: its type and the userIds it applies to, each a JSON string or number as in the tracking API.
/// </summary>
public sealed record CreateRegulationRequest(string? RegulationType, string? SubjectType, IReadOnlyList<JsonElement>? SubjectIds);
