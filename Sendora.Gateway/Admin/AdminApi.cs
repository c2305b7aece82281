using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;
using Sendora.Gateway.Tracking;
using Sendora.Grains;
using Sendora.Grains.Admin;
using Sendora.Grains.Ingestion;

namespace Sendora.Gateway.Admin;

/// <summary>The admin API for workspaces and sources, under <c>/admin/v1</c>, behind the admin token.</summary>
public static partial class AdminApi
{
    /// <summary>The path that every admin API route starts with.</summary>
    public const string BasePath = "/admin/v1";

    // The maximum length of a workspace, source or audience name, in characters as TextLength counts them. Journeys,
    // templates and destinations have the same limit.
    private const int MaxNameLength = 256;

    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        // AdminAuthorization.CheckBeforeBindingAsync checks the token of every request under this path.
        var admin = endpoints.MapGroup(BasePath).AddEndpointFilter<AdminJsonStrings>().WithTags("Admin");
        admin.MapGet("/workspaces", ListWorkspacesAsync).WithName("ListWorkspaces")
            .WithSummary("Lists every workspace with its sources");
        admin.MapPost("/workspaces", CreateWorkspaceAsync).WithName("CreateWorkspace")
            .WithSummary("Creates a workspace with one source and returns it with the source's write key");
        admin.MapGet("/workspaces/{workspaceId}", GetWorkspaceAsync).WithName("GetWorkspace")
            .WithSummary("Returns a workspace with its sources and their write keys");
        admin.MapGet("/workspaces/{workspaceId}/sources", ListSourcesAsync).WithName("ListSources")
            .WithSummary("Lists a workspace's sources with their write keys");
        admin.MapPost("/workspaces/{workspaceId}/sources", CreateSourceAsync).WithName("CreateSource")
            .WithSummary("Adds a source with a new write key");
        admin.MapGet("/workspaces/{workspaceId}/sources/{sourceId}", GetSourceAsync).WithName("GetSource")
            .WithSummary("Returns a source with its accepted, rejected and duplicate counts");
        admin.MapPatch("/workspaces/{workspaceId}/sources/{sourceId}", UpdateSourceAsync).WithName("UpdateSource")
            .WithSummary("Enables or disables a source and sets its volume alert range");
        admin.MapGet("/workspaces/{workspaceId}/sources/{sourceId}/rejections", ListRejectionsAsync)
            .WithName("ListRejections")
            .WithSummary("Lists a source's rejected messages, newest first, with the reason for each");
        MapIdentityRoutes(admin);
        MapAuditRoutes(admin);
        MapAudienceRoutes(admin);
        MapDeliveryRoutes(admin);
        MapDestinationRoutes(admin);
        MapJourneyRoutes(admin);
        MapTemplateRoutes(admin);
        MapInspectionRoutes(admin);
        MapClusterRoutes(admin);
        MapHealthRoutes(admin);
        MapSyncRoutes(admin);
        MapRegulationRoutes(admin);
        return endpoints;
    }

    private static async Task<IResult> ListWorkspacesAsync(IGrainFactory grains)
    {
        var ids = await grains.GetGrain<IWorkspaceDirectoryGrain>(IWorkspaceDirectoryGrain.Key).ListAsync();
        var workspaces = await Task.WhenAll(ids.Select(id => grains.GetGrain<IWorkspaceGrain>(id).GetAsync()));
        return TypedResults.Ok(new { data = workspaces.Where(w => w is not null) });
    }

    private static async Task<IResult> CreateWorkspaceAsync(
        CreateWorkspaceRequest request, IGrainFactory grains, AdminActor actor)
    {
        if (request.Id is null || !WorkspaceIdPattern().IsMatch(request.Id))
        {
            return Invalid("id", "1 to 64 characters of lower-case letters, digits, '-' and '_', starting with a letter or digit");
        }

        if (!IsValidName("name", request.Name, out var invalidName))
        {
            return invalidName;
        }

        if (request.SourceName is not null && !IsValidName("sourceName", request.SourceName, out var invalidSourceName))
        {
            return invalidSourceName;
        }

        var workspace = grains.GetGrain<IWorkspaceGrain>(request.Id);
        try
        {
            await workspace.CreateAsync(request.Name, actor.Stamp());
        }
        catch (AdminConflictException exception)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: exception.Message);
        }

        await workspace.AddSourceAsync(request.SourceName ?? "Default source", writeKey: null, actor.Stamp());
        return TypedResults.Created($"/admin/v1/workspaces/{request.Id}", await workspace.GetAsync());
    }

    private static async Task<IResult> GetWorkspaceAsync(string workspaceId, IGrainFactory grains) =>
        await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync() is { } workspace
            ? TypedResults.Ok(workspace)
            : WorkspaceNotFound(workspaceId);

    private static async Task<IResult> ListSourcesAsync(string workspaceId, IGrainFactory grains) =>
        await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync() is { } workspace
            ? TypedResults.Ok(new { data = workspace.Sources })
            : WorkspaceNotFound(workspaceId);

    private static async Task<IResult> CreateSourceAsync(
        string workspaceId, CreateSourceRequest request, IGrainFactory grains, AdminActor actor)
    {
        if (!IsValidName("name", request.Name, out var invalidName))
        {
            return invalidName;
        }

        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        if (await workspace.GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var source = await workspace.AddSourceAsync(request.Name, writeKey: null, actor.Stamp());
        return TypedResults.Created($"/admin/v1/workspaces/{workspaceId}/sources/{source.Id}", source);
    }

    private static async Task<IResult> GetSourceAsync(string workspaceId, string sourceId, IGrainFactory grains)
    {
        var source = await FindSourceAsync(workspaceId, sourceId, grains);
        if (source is null)
        {
            return SourceNotFound(workspaceId, sourceId);
        }

        var health = await grains.GetGrain<ISourceHealthGrain>(GrainKeys.Scoped(workspaceId, sourceId)).GetAsync(0);
        return TypedResults.Ok(new
        {
            source.Id,
            source.Name,
            source.WriteKey,
            source.Enabled,
            source.CreatedAt,
            counts = new
            {
                health.Accepted,
                health.Rejected,
                health.Duplicates,
                health.Suppressed,
                rejectedByCode = health.RejectedByCode,
            },
        });
    }

    private static async Task<IResult> UpdateSourceAsync(
        string workspaceId, string sourceId, UpdateSourceRequest request, IGrainFactory grains, WriteKeyResolver writeKeys,
        AdminActor actor)
    {
        if (request.Enabled is null && request.VolumeAlertPercent is null)
        {
            return Invalid("enabled", "true or false, unless 'volumeAlertPercent' is set");
        }

        if (request.VolumeAlertPercent is < 1 or > 1_000)
        {
            return Invalid("volumeAlertPercent", "a whole number from 1 to 1000");
        }

        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        SourceInfo? source = null;
        if (request.VolumeAlertPercent is { } percent)
        {
            source = await workspace.SetSourceVolumeAlertPercentAsync(sourceId, percent, actor.Stamp());
        }

        if (request.Enabled is { } enabled)
        {
            source = await workspace.SetSourceEnabledAsync(sourceId, enabled, actor.Stamp());
            if (source is not null)
            {
                writeKeys.Forget(source.WriteKey);
            }
        }

        return source is null ? SourceNotFound(workspaceId, sourceId) : TypedResults.Ok(source);
    }

    private static async Task<IResult> ListRejectionsAsync(
        string workspaceId, string sourceId, IGrainFactory grains, int? limit = null)
    {
        if (limit is < 1 or > 1_000)
        {
            return Invalid("limit", "a whole number from 1 to 1000");
        }

        if (await FindSourceAsync(workspaceId, sourceId, grains) is null)
        {
            return SourceNotFound(workspaceId, sourceId);
        }

        var health = await grains.GetGrain<ISourceHealthGrain>(GrainKeys.Scoped(workspaceId, sourceId)).GetAsync(limit ?? 100);
        return TypedResults.Ok(new { total = health.Rejected, data = health.Rejections });
    }

    private static async Task<SourceInfo?> FindSourceAsync(string workspaceId, string sourceId, IGrainFactory grains) =>
        (await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync())?.Sources.FirstOrDefault(s => s.Id == sourceId);

    /// <summary>
    /// Checks that <paramref name="name"/> is not missing, blank or longer than <see cref="MaxNameLength"/>
    /// characters. Returns false with a 400 problem naming <paramref name="field"/> in <paramref name="invalid"/> when
    /// it is.
    /// </summary>
    private static bool IsValidName(
        string field, [NotNullWhen(true)] string? name, [NotNullWhen(false)] out IResult? invalid)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            invalid = Invalid(field, "a non-empty string");
            return false;
        }

        if (TextLength.IsOver(name, MaxNameLength))
        {
            invalid = Invalid(field, string.Create(CultureInfo.InvariantCulture,
                $"at most {MaxNameLength:N0} characters, not {TextLength.Count(name):N0}"));
            return false;
        }

        invalid = null;
        return true;
    }

    private static IResult Invalid(string field, string expected) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request",
            detail: $"'{field}' must be {expected}.");

    private static IResult WorkspaceNotFound(string workspaceId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Workspace not found",
            detail: $"No workspace has the id '{workspaceId}'.");

    private static IResult SourceNotFound(string workspaceId, string sourceId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Source not found",
            detail: $"Workspace '{workspaceId}' has no source with the id '{sourceId}'.");

    // \z, not $, because $ also matches before a final newline.
    [GeneratedRegex(@"^[a-z0-9][a-z0-9_-]{0,63}\z")]
    private static partial Regex WorkspaceIdPattern();
}

/// <summary>The body of a request that creates a workspace.</summary>
public sealed record CreateWorkspaceRequest(string? Id, string? Name, string? SourceName);

/// <summary>The body of a request that adds a source.</summary>
public sealed record CreateSourceRequest(string? Name);

/// <summary>The body of a request that changes a source.</summary>
public sealed record UpdateSourceRequest(bool? Enabled, int? VolumeAlertPercent = null);
