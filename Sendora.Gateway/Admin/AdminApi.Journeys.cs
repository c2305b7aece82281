using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Sendora.Grains;
using Sendora.Grains.Admin;
using Sendora.Grains.Channels;
using Sendora.Grains.Journeys;
using Sendora.Grains.Journeys.Templates;

namespace Sendora.Gateway.Admin;

public static partial class AdminApi
{
    private static void MapJourneyRoutes(RouteGroupBuilder admin)
    {
        var journeys = admin.MapGroup("/workspaces/{workspaceId}/journeys");
        journeys.MapGet("/", ListJourneysAsync).WithName("ListJourneys")
            .WithSummary("Lists the workspace's journeys with their status, latest version and run totals");
        journeys.MapPost("/", CreateJourneyAsync).WithName("CreateJourney")
            .WithSummary("Creates a journey from a valid definition, as a draft that takes no entries until published");
        journeys.MapGet("/{journeyId}", GetJourneyAsync).WithName("GetJourney")
            .WithSummary("Returns a journey's draft, status, versions and run totals");
        journeys.MapPut("/{journeyId}", UpdateJourneyAsync).WithName("UpdateJourney")
            .WithSummary("Replaces a journey's draft; published versions do not change until the draft is published");
        journeys.MapPost("/{journeyId}/publish", PublishJourneyAsync).WithName("PublishJourney")
            .WithSummary("Publishes the draft as a new immutable version with copies of its templates, and activates the journey");
        journeys.MapPost("/{journeyId}/pause", PauseJourneyAsync).WithName("PauseJourney")
            .WithSummary("Stops new entries and holds every run at its step");
        journeys.MapPost("/{journeyId}/resume", ResumeJourneyAsync).WithName("ResumeJourney")
            .WithSummary("Takes new entries again and lets held runs move on");
        journeys.MapGet("/{journeyId}/versions/{version:int}", GetJourneyVersionAsync).WithName("GetJourneyVersion")
            .WithSummary("Returns a published version's definition and the template copies it uses");
        journeys.MapGet("/{journeyId}/counters", GetJourneyCountersAsync).WithName("GetJourneyCounters")
            .WithSummary("Returns entered, waiting, completed, exited and converted counts per version and step");
        journeys.MapGet("/{journeyId}/runs/{profileId}", ListProfileRunsAsync).WithName("ListJourneyRuns")
            .WithSummary("Lists a profile's runs through the journey, newest first, with the steps each took");
    }

    private static async Task<IResult> ListJourneysAsync(string workspaceId, IGrainFactory grains)
    {
        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        if (await workspace.GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var ids = await workspace.GetJourneyIdsAsync();
        var views = await Task.WhenAll(ids.Select(async id =>
        {
            var journey = grains.GetGrain<IJourneyGrain>(GrainKeys.Scoped(workspaceId, id));
            var info = await journey.GetAsync();
            return info is null ? null : ToView(info, await journey.GetCountersAsync(), includeDraft: false);
        }));
        return TypedResults.Ok(new { data = views.OfType<object>() });
    }

    private static async Task<IResult> CreateJourneyAsync(
        string workspaceId, JourneyRequest request, IGrainFactory grains, AdminActor actor)
    {
        if (request.Id is not null && !WorkspaceIdPattern().IsMatch(request.Id))
        {
            return Invalid("id", "1 to 64 characters of lower-case letters, digits, '-' and '_', starting with a letter or digit");
        }

        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        if (await workspace.GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        if (ValidateDefinition(request.Definition) is { } invalid)
        {
            return invalid;
        }

        var id = request.Id ?? "jrn_" + RandomNumberGenerator.GetHexString(16, lowercase: true);
        var journey = grains.GetGrain<IJourneyGrain>(GrainKeys.Scoped(workspaceId, id));
        if (await journey.GetAsync() is not null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict",
                detail: $"Journey '{id}' already exists in workspace '{workspaceId}'; use PUT to change its draft.");
        }

        var json = request.Definition!.Value.GetRawText();
        await workspace.AddJourneyAsync(id);
        var info = await journey.SaveDraftAsync(json, actor.Name);
        await AuditJourneyAsync(grains, actor, "journey.create", workspaceId, id, null, Summary(info));
        return TypedResults.Created($"/admin/v1/workspaces/{workspaceId}/journeys/{id}", ToView(info, null, includeDraft: true));
    }

    private static async Task<IResult> UpdateJourneyAsync(
        string workspaceId, string journeyId, JourneyRequest request, IGrainFactory grains, AdminActor actor)
    {
        var (journey, existing, failure) = await FindJourneyAsync(workspaceId, journeyId, grains);
        if (failure is not null)
        {
            return failure;
        }

        if (ValidateDefinition(request.Definition) is { } invalid)
        {
            return invalid;
        }

        var info = await journey!.SaveDraftAsync(request.Definition!.Value.GetRawText(), actor.Name);
        await AuditJourneyAsync(grains, actor, "journey.update", workspaceId, journeyId, Summary(existing!), Summary(info));
        return TypedResults.Ok(ToView(info, await journey.GetCountersAsync(), includeDraft: true));
    }

    private static async Task<IResult> GetJourneyAsync(string workspaceId, string journeyId, IGrainFactory grains)
    {
        var (journey, info, failure) = await FindJourneyAsync(workspaceId, journeyId, grains);
        return failure ?? TypedResults.Ok(ToView(info!, await journey!.GetCountersAsync(), includeDraft: true));
    }

    private static async Task<IResult> PublishJourneyAsync(
        string workspaceId, string journeyId, IGrainFactory grains, AdminActor actor)
    {
        var (journey, existing, failure) = await FindJourneyAsync(workspaceId, journeyId, grains);
        if (failure is not null)
        {
            return failure;
        }

        var parsed = JourneyDefinition.Parse(existing!.DraftJson);
        if (parsed.Definition is not { } definition)
        {
            return InvalidCondition("definition", parsed.Errors.Select(e => (e.Path, e.Message)));
        }

        var templates = new Dictionary<string, TemplateRecord>(StringComparer.Ordinal);
        var errors = new List<(string Path, string Message)>();
        foreach (var step in definition.Steps.Values)
        {
            var (templateId, channel) = step switch
            {
                EmailStep { TemplateId: { } id } => (id, DeliveryChannels.Email),
                PushStep { TemplateId: { } id } => (id, DeliveryChannels.Push),
                _ => (null, null),
            };
            if (templateId is null || templates.ContainsKey(templateId))
            {
                continue;
            }

            var path = StepPath(existing.DraftJson, step.Id) + ".template";
            var template = await grains.GetGrain<ITemplateGrain>(GrainKeys.Scoped(workspaceId, templateId)).GetAsync();
            if (template is null)
            {
                errors.Add((path, $"Template '{templateId}' does not exist in workspace '{workspaceId}'."));
            }
            else if (template.Channel != channel)
            {
                errors.Add((path, $"Template '{templateId}' is a {template.Channel} template; a {step.Type} step needs a {channel} one."));
            }
            else
            {
                templates[templateId] = template;
            }
        }

        if (errors.Count > 0)
        {
            return InvalidCondition("definition", errors);
        }

        JourneyInfo info;
        try
        {
            info = await journey!.PublishAsync(templates, actor.Name);
        }
        catch (AdminConflictException exception)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: exception.Message);
        }
        catch (JourneyDefinitionException exception)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid definition", detail: exception.Message);
        }

        await AuditJourneyAsync(grains, actor, "journey.publish", workspaceId, journeyId, Summary(existing), Summary(info));
        return TypedResults.Ok(ToView(info, await journey.GetCountersAsync(), includeDraft: true));
    }

    private static Task<IResult> PauseJourneyAsync(
        string workspaceId, string journeyId, IGrainFactory grains, AdminActor actor) =>
        SetJourneyPausedAsync(workspaceId, journeyId, paused: true, grains, actor);

    private static Task<IResult> ResumeJourneyAsync(
        string workspaceId, string journeyId, IGrainFactory grains, AdminActor actor) =>
        SetJourneyPausedAsync(workspaceId, journeyId, paused: false, grains, actor);

    private static async Task<IResult> SetJourneyPausedAsync(
        string workspaceId, string journeyId, bool paused, IGrainFactory grains, AdminActor actor)
    {
        var (journey, existing, failure) = await FindJourneyAsync(workspaceId, journeyId, grains);
        if (failure is not null)
        {
            return failure;
        }

        JourneyInfo info;
        try
        {
            info = await journey!.SetPausedAsync(paused, actor.Name);
        }
        catch (AdminConflictException exception)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: exception.Message);
        }

        if (info.Status != existing!.Status)
        {
            await AuditJourneyAsync(grains, actor, paused ? "journey.pause" : "journey.resume",
                workspaceId, journeyId, Summary(existing), Summary(info));
        }

        return TypedResults.Ok(ToView(info, await journey.GetCountersAsync(), includeDraft: false));
    }

    private static async Task<IResult> GetJourneyVersionAsync(string workspaceId, string journeyId, int version, IGrainFactory grains)
    {
        var (journey, _, failure) = await FindJourneyAsync(workspaceId, journeyId, grains);
        if (failure is not null)
        {
            return failure;
        }

        if (await journey!.GetVersionAsync(version) is not { } stored)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Version not found",
                detail: $"Journey '{journeyId}' has no version {version}.");
        }

        using var definition = JsonDocument.Parse(stored.DefinitionJson);
        return TypedResults.Ok(new
        {
            id = journeyId,
            version = stored.Version,
            publishedAt = stored.PublishedAt,
            publishedBy = stored.PublishedBy,
            definition = definition.RootElement.Clone(),
            templates = stored.Templates.Values,
        });
    }

    private static async Task<IResult> GetJourneyCountersAsync(
        string workspaceId, string journeyId, int? version, IGrainFactory grains)
    {
        var (journey, info, failure) = await FindJourneyAsync(workspaceId, journeyId, grains);
        if (failure is not null)
        {
            return failure;
        }

        var counters = await journey!.GetCountersAsync();
        var versions = new List<object>();
        foreach (var number in info!.Versions.Select(v => v.Version).Where(v => version is null || v == version))
        {
            var stored = await journey.GetVersionAsync(number);
            var steps = stored is null ? [] : StepIdsInOrder(stored.DefinitionJson);
            var found = counters.GetValueOrDefault(number) ?? new VersionCounters();
            versions.Add(new
            {
                version = number,
                total = CounterView(found.Total, active: true),
                steps = steps.Select(stepId => new { stepId, counters = CounterView(found.Steps.GetValueOrDefault(stepId) ?? new StepCounters(), active: false) }),
            });
        }

        return TypedResults.Ok(new { id = journeyId, versions });
    }

    private static async Task<IResult> ListProfileRunsAsync(string workspaceId, string journeyId, string profileId, IGrainFactory grains)
    {
        var (_, _, failure) = await FindJourneyAsync(workspaceId, journeyId, grains);
        if (failure is not null)
        {
            return failure;
        }

        var (resolved, _, unresolved) = await ResolveProfileAsync(workspaceId, profileId, grains);
        if (unresolved is not null)
        {
            return unresolved;
        }

        var list = await grains.GetGrain<IJourneyRunGrain>(GrainKeys.Scoped(workspaceId, $"{journeyId}/{resolved}")).GetRunsAsync();
        return TypedResults.Ok(new { journeyId, profileId = resolved, data = list });
    }

    private static IResult? ValidateDefinition(JsonElement? definition)
    {
        if (definition is not { ValueKind: JsonValueKind.Object } element)
        {
            return Invalid("definition", "a journey definition object with name, trigger and steps (docs/journeys.md)");
        }

        var parsed = JourneyDefinition.Parse(element.GetRawText());
        return parsed.IsValid ? null : InvalidCondition("definition", parsed.Errors.Select(e => (e.Path, e.Message)));
    }

    private static async Task<(IJourneyGrain? Journey, JourneyInfo? Info, IResult? Failure)> FindJourneyAsync(
        string workspaceId, string journeyId, IGrainFactory grains)
    {
        if (await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync() is null)
        {
            return (null, null, WorkspaceNotFound(workspaceId));
        }

        var journey = grains.GetGrain<IJourneyGrain>(GrainKeys.Scoped(workspaceId, journeyId));
        var info = await journey.GetAsync();
        return info is null
            ? (null, null, TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Journey not found",
                detail: $"Workspace '{workspaceId}' has no journey '{journeyId}'."))
            : (journey, info, null);
    }

    // The journey grain stores the change before the entry is sent: see the NOTE on RecordAuditAsync.
    private static Task AuditJourneyAsync(
        IGrainFactory grains, AdminActor actor, string action, string workspaceId, string journeyId,
        object? before, object? after) =>
        RecordAuditAsync(grains, workspaceId,
            actor.Change(action, $"workspaces/{workspaceId}/journeys/{journeyId}", before, after));

    // A draft may be larger than the 64 KiB an audit value keeps, so the entry keeps a digest of the definition,
    // not the text.
    private static object Summary(JourneyInfo info) => new
    {
        name = info.Name,
        status = info.Status,
        latestVersion = info.LatestVersion,
        draftSha256 = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(info.DraftJson))),
    };

    private static object ToView(JourneyInfo info, IReadOnlyDictionary<int, VersionCounters>? counters, bool includeDraft)
    {
        var totals = new StepCounters();
        foreach (var version in counters?.Values ?? [])
        {
            totals.Add(version.Total);
        }

        using var draft = JsonDocument.Parse(info.DraftJson);
        return new
        {
            id = info.Id,
            name = info.Name,
            status = info.Status,
            latestVersion = info.LatestVersion,
            hasUnpublishedChanges = info.HasUnpublishedChanges,
            versions = info.Versions,
            createdAt = info.CreatedAt,
            updatedAt = info.UpdatedAt,
            draftUpdatedAt = info.DraftUpdatedAt,
            runs = CounterView(totals, active: true),
            definition = includeDraft ? draft.RootElement.Clone() : (JsonElement?)null,
        };
    }

    private static object CounterView(StepCounters counters, bool active) => active
        ? new { entered = counters.Entered, active = counters.Waiting, completed = counters.Completed, exited = counters.Exited, converted = counters.Converted }
        : new { entered = counters.Entered, waiting = counters.Waiting, completed = counters.Completed, exited = counters.Exited, converted = counters.Converted };

    private static List<string> StepIdsInOrder(string definitionJson)
    {
        using var document = JsonDocument.Parse(definitionJson);
        return document.RootElement.TryGetProperty("steps", out var steps) && steps.ValueKind == JsonValueKind.Array
            ? [.. steps.EnumerateArray()
                .Where(s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String)
                .Select(s => s.GetProperty("id").GetString()!)]
            : [];
    }

    private static string StepPath(string definitionJson, string stepId)
    {
        var index = StepIdsInOrder(definitionJson).IndexOf(stepId);
        return index < 0 ? "$.steps" : string.Create(CultureInfo.InvariantCulture, $"$.steps[{index}]");
    }
}

/// <summary>The body that creates a journey or replaces its draft.</summary>
public sealed record JourneyRequest(string? Id, JsonElement? Definition);
