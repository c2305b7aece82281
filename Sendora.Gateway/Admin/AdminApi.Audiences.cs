using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Sendora.Gateway.Audiences;
using Sendora.Grains;
using Sendora.Grains.Admin;
using Sendora.Grains.Audiences;
using Sendora.Grains.Audiences.Language;
using Sendora.Grains.Profiles;

namespace Sendora.Gateway.Admin;

public static partial class AdminApi
{
    private const int MaxMembersPageSize = 1_000;

    // Every audience and computed trait is stored in the workspace grain's state, one Azure Table entity of at
    // most 1 MiB, so each definition is bounded well below that. NOTE: the number of definitions is not bounded,
    // so a workspace with many large definitions can still outgrow the entity.
    private const int MaxDescriptionLength = 2_048;
    private const int MaxDefinitionBytes = 65_536;

    private static void MapAudienceRoutes(RouteGroupBuilder admin)
    {
        var audiences = admin.MapGroup("/workspaces/{workspaceId}/audiences");
        audiences.MapGet("/", ListAudiencesAsync).WithName("ListAudiences")
            .WithSummary("Lists the workspace's audiences with their definitions");
        audiences.MapPost("/", CreateAudienceAsync).WithName("CreateAudience")
            .WithSummary("Creates an audience and starts a backfill that evaluates every existing profile");
        audiences.MapPost("/estimate", EstimateAudienceAsync).WithName("EstimateAudience")
            .WithSummary("Estimates how many existing profiles a condition matches, without saving it");
        audiences.MapGet("/{audienceId}", GetAudienceAsync).WithName("GetAudience")
            .WithSummary("Returns an audience with its size, log position and the workspace's backfill progress");
        audiences.MapPut("/{audienceId}", UpdateAudienceAsync).WithName("UpdateAudience")
            .WithSummary("Replaces an audience's name, description, condition or enabled flag; a new condition starts a backfill");
        audiences.MapDelete("/{audienceId}", DeleteAudienceAsync).WithName("DeleteAudience")
            .WithSummary("Deletes an audience with its members and membership log");
        audiences.MapGet("/{audienceId}/members", ListMembersAsync).WithName("ListAudienceMembers")
            .WithSummary("Lists an audience's members, paged with limit and next");
        audiences.MapGet("/{audienceId}/stream", StreamMembershipAsync).WithName("StreamAudienceMembership")
            .WithSummary("Streams enter and exit events as Server-Sent Events, resuming after Last-Event-ID");
        admin.MapGet("/audiences/{audienceId}/stream", StreamDefaultWorkspaceAsync).WithName("StreamAudienceMembershipShort")
            .WithSummary("Streams an audience of the workspace named by ?workspace= (default: default) as Server-Sent Events");
        admin.MapGet("/workspaces/{workspaceId}/backfill", GetBackfillAsync).WithName("GetBackfill")
            .WithSummary("Returns the progress of the backfill that evaluates every profile after audiences change");

        var traits = admin.MapGroup("/workspaces/{workspaceId}/computed-traits");
        traits.MapGet("/", ListComputedTraitsAsync).WithName("ListComputedTraits")
            .WithSummary("Lists the workspace's computed traits");
        traits.MapPut("/{key}", SaveComputedTraitAsync).WithName("SaveComputedTrait")
            .WithSummary("Creates or replaces a computed trait and starts a backfill that computes it for every profile");
        traits.MapGet("/{key}", GetComputedTraitAsync).WithName("GetComputedTrait")
            .WithSummary("Returns a computed trait's definition");
        traits.MapDelete("/{key}", DeleteComputedTraitAsync).WithName("DeleteComputedTrait")
            .WithSummary("Deletes a computed trait that no audience refers to");
    }

    private static async Task<IResult> ListAudiencesAsync(string workspaceId, IGrainFactory grains)
    {
        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        if (await workspace.GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var catalog = await workspace.GetCatalogAsync();
        return TypedResults.Ok(new { data = catalog.Audiences.OrderBy(a => a.CreatedAt).Select(ToView) });
    }

    private static async Task<IResult> CreateAudienceAsync(
        string workspaceId, AudienceRequest request, IGrainFactory grains, AdminActor actor)
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

        var id = request.Id ?? "aud_" + RandomNumberGenerator.GetHexString(16, lowercase: true);
        var catalog = await workspace.GetCatalogAsync();
        if (catalog.Audiences.Any(a => a.Id == id))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict",
                detail: $"Audience '{id}' already exists in workspace '{workspaceId}'; use PUT to change it.");
        }

        return await SaveAudienceAsync(
            workspaceId, id, request, existing: null, catalog, grains, actor, StatusCodes.Status201Created);
    }

    private static async Task<IResult> UpdateAudienceAsync(
        string workspaceId, string audienceId, AudienceRequest request, IGrainFactory grains, AdminActor actor)
    {
        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        if (await workspace.GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var catalog = await workspace.GetCatalogAsync();
        var existing = catalog.Audiences.FirstOrDefault(a => a.Id == audienceId);
        return existing is null
            ? AudienceNotFound(workspaceId, audienceId)
            : await SaveAudienceAsync(
                workspaceId, audienceId, request, existing, catalog, grains, actor, StatusCodes.Status200OK);
    }

    private static async Task<IResult> SaveAudienceAsync(
        string workspaceId, string id, AudienceRequest request, AudienceDefinition? existing, AudienceCatalog catalog,
        IGrainFactory grains, AdminActor actor, int status)
    {
        var name = request.Name ?? existing?.Name;
        if (!IsValidName("name", name, out var invalidName))
        {
            return invalidName;
        }

        if (request.Description is { } description && TextLength.IsOver(description, MaxDescriptionLength))
        {
            return Invalid("description", string.Create(CultureInfo.InvariantCulture, $"at most {MaxDescriptionLength:N0} characters, not {TextLength.Count(description):N0}"));
        }

        string conditionJson;
        Condition condition;
        if (request.Condition is { } element)
        {
            var parsed = Condition.Parse(element);
            if (parsed.Condition is null)
            {
                return InvalidCondition("condition", parsed.Errors.Select(e => (e.Path, e.Message)));
            }

            if (TooLarge("condition", element) is { } tooLarge)
            {
                return tooLarge;
            }

            condition = parsed.Condition;
            conditionJson = element.GetRawText();
        }
        else if (existing is not null)
        {
            condition = Condition.Parse(existing.ConditionJson).Condition!;
            conditionJson = existing.ConditionJson;
        }
        else
        {
            return Invalid("condition", "an audience condition object, such as {\"trait\": \"plan\", \"operator\": \"equals\", \"value\": \"pro\"}");
        }

        var missingTraits = condition.ComputedTraitKeys.Where(key => !catalog.ComputedTraits.Any(t => t.Key == key)).ToList();
        if (missingTraits.Count > 0)
        {
            return InvalidCondition("condition", [("$", $"The condition refers to computed traits that do not exist: {string.Join(", ", missingTraits)}.")]);
        }

        var audience = new AudienceDefinition
        {
            Id = id,
            Name = name,
            Description = request.Description ?? existing?.Description,
            ConditionJson = conditionJson,
            Enabled = request.Enabled ?? existing?.Enabled ?? true,
        };
        var change = actor.Change(existing is null ? "audience.create" : "audience.update",
            $"workspaces/{workspaceId}/audiences/{id}",
            existing is null ? null : ToAuditView(existing),
            ToAuditView(audience));
        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        AudienceDefinition stored;
        try
        {
            stored = await workspace.SaveAudienceAsync(audience, [.. condition.AudienceIds], change);
        }
        catch (AudienceReferenceException exception)
        {
            return InvalidCondition("condition", [("$", exception.Message)]);
        }

        var backfill = await StartBackfillAsync(workspaceId, grains);
        var view = new { audience = ToView(stored), backfill };
        return status == StatusCodes.Status201Created
            ? TypedResults.Created($"/admin/v1/workspaces/{workspaceId}/audiences/{id}", view)
            : TypedResults.Ok(view);
    }

    private static async Task<IResult> GetAudienceAsync(string workspaceId, string audienceId, IGrainFactory grains)
    {
        var (audience, failure) = await FindAudienceAsync(workspaceId, audienceId, grains);
        if (failure is not null)
        {
            return failure;
        }

        var status = await grains.GetGrain<IAudienceGrain>(GrainKeys.Scoped(workspaceId, audienceId)).GetStatusAsync();
        var backfill = await grains.GetGrain<IBackfillGrain>(workspaceId).GetProgressAsync();
        return TypedResults.Ok(new
        {
            audience = ToView(audience!),
            size = status.Size,
            lastSequence = status.LastSequence,
            enters = status.Enters,
            exits = status.Exits,
            backfill,
        });
    }

    private static async Task<IResult> DeleteAudienceAsync(
        string workspaceId, string audienceId, IGrainFactory grains, AdminActor actor)
    {
        var (audience, failure) = await FindAudienceAsync(workspaceId, audienceId, grains);
        if (failure is not null)
        {
            return failure;
        }

        var change = actor.Change(
            "audience.delete", $"workspaces/{workspaceId}/audiences/{audienceId}", ToAuditView(audience!), null);
        try
        {
            await grains.GetGrain<IWorkspaceGrain>(workspaceId).DeleteAudienceAsync(audienceId, change);
        }
        catch (AudienceReferenceException exception)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: exception.Message);
        }

        await grains.GetGrain<IAudienceGrain>(GrainKeys.Scoped(workspaceId, audienceId)).ClearAsync();
        return TypedResults.NoContent();
    }

    private static async Task<IResult> EstimateAudienceAsync(
        string workspaceId, EstimateRequest request, IGrainFactory grains, int? sample = null)
    {
        if (sample is < 1 or > 100_000)
        {
            return Invalid("sample", "a whole number from 1 to 100000");
        }

        if (request.Condition is not { } element)
        {
            return Invalid("condition", "an audience condition object");
        }

        var parsed = Condition.Parse(element);
        if (parsed.Condition is null)
        {
            return InvalidCondition("condition", parsed.Errors.Select(e => (e.Path, e.Message)));
        }

        if (TooLarge("condition", element) is { } tooLarge)
        {
            return tooLarge;
        }

        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        if (await workspace.GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        // The same references are checked as when an audience is saved, so an estimate never counts a condition
        // that saving would reject.
        var catalog = await workspace.GetCatalogAsync();
        var missing = parsed.Condition.ComputedTraitKeys.Where(key => !catalog.ComputedTraits.Any(t => t.Key == key))
            .Select(key => $"computed trait '{key}'")
            .Concat(parsed.Condition.AudienceIds.Where(id => !catalog.Audiences.Any(a => a.Id == id)).Select(id => $"audience '{id}'"))
            .ToList();
        if (missing.Count > 0)
        {
            return InvalidCondition("condition", [("$", $"The condition refers to what does not exist: {string.Join(", ", missing)}.")]);
        }

        var estimate = await AudienceEstimator.EstimateAsync(grains, workspaceId, element.GetRawText(), sample ?? 10_000);
        return TypedResults.Ok(estimate);
    }

    private static async Task<IResult> ListMembersAsync(
        string workspaceId, string audienceId, IGrainFactory grains, int? limit = null, string? next = null)
    {
        if (limit is < 1 or > MaxMembersPageSize)
        {
            return Invalid("limit", $"a whole number from 1 to {MaxMembersPageSize}");
        }

        MemberCursor? cursor = null;
        if (next is not null)
        {
            cursor = MemberCursors.Decode(next);
            if (cursor is null)
            {
                return Invalid("next", "a cursor returned by an earlier page");
            }
        }

        var (_, failure) = await FindAudienceAsync(workspaceId, audienceId, grains);
        if (failure is not null)
        {
            return failure;
        }

        MemberPage page;
        try
        {
            page = await grains.GetGrain<IAudienceGrain>(GrainKeys.Scoped(workspaceId, audienceId))
                .GetMembersAsync(cursor, limit ?? 100);
        }
        catch (ArgumentOutOfRangeException)
        {
            // Only the audience grain stores its shard count, so it checks the cursor's shard.
            return Invalid("next", "a cursor returned by an earlier page of this audience");
        }

        return TypedResults.Ok(new
        {
            data = page.Members.Select(m => new { profileId = m.ProfileId, since = m.Since, externalIds = m.ExternalIds }),
            next = page.Next is { } nextCursor ? MemberCursors.Encode(nextCursor) : null,
        });
    }

    private static Task StreamDefaultWorkspaceAsync(
        string audienceId, HttpContext context, IGrainFactory grains, AudienceStreamHub hub, string? workspace = null) =>
        StreamMembershipAsync(workspace ?? "default", audienceId, context, grains, hub);

    private static async Task StreamMembershipAsync(
        string workspaceId, string audienceId, HttpContext context, IGrainFactory grains, AudienceStreamHub hub)
    {
        var (_, failure) = await FindAudienceAsync(workspaceId, audienceId, grains);
        if (failure is not null)
        {
            await failure.ExecuteAsync(context);
            return;
        }

        if (MembershipStream.ReadLastEventId(context.Request) is not { } after)
        {
            await Invalid("Last-Event-ID", "a sequence number sent as the id of an earlier event").ExecuteAsync(context);
            return;
        }

        // An id past the end of the log comes from another log, such as that of a deleted audience with the
        // same id. Resuming from it would skip every change up to that number.
        var audienceKey = GrainKeys.Scoped(workspaceId, audienceId);
        var lastSequence = (await grains.GetGrain<IAudienceGrain>(audienceKey).ReadAsync(after, 1)).LastSequence;
        if (after > lastSequence)
        {
            await Invalid("Last-Event-ID", string.Create(CultureInfo.InvariantCulture,
                $"at most {lastSequence}, the audience's last sequence number, not {after}")).ExecuteAsync(context);
            return;
        }

        await MembershipStream.RunAsync(context, grains, hub, audienceKey, after);
    }

    private static async Task<IResult> GetBackfillAsync(string workspaceId, IGrainFactory grains) =>
        await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync() is null
            ? WorkspaceNotFound(workspaceId)
            : TypedResults.Ok(await grains.GetGrain<IBackfillGrain>(workspaceId).GetProgressAsync());

    private static async Task<IResult> ListComputedTraitsAsync(string workspaceId, IGrainFactory grains)
    {
        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        if (await workspace.GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var catalog = await workspace.GetCatalogAsync();
        return TypedResults.Ok(new { data = catalog.ComputedTraits.Select(ToView) });
    }

    private static async Task<IResult> GetComputedTraitAsync(string workspaceId, string key, IGrainFactory grains)
    {
        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        if (await workspace.GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var trait = (await workspace.GetCatalogAsync()).ComputedTraits.FirstOrDefault(t => t.Key == key);
        return trait is null ? ComputedTraitNotFound(workspaceId, key) : TypedResults.Ok(ToView(trait));
    }

    private static async Task<IResult> SaveComputedTraitAsync(
        string workspaceId, string key, ComputedTraitRequest request, IGrainFactory grains, AdminActor actor)
    {
        if (!ComputedTraitKeyPattern().IsMatch(key))
        {
            return Invalid("key", "1 to 64 characters of letters, digits and '_', starting with a letter");
        }

        if (request.Definition is not { } element)
        {
            return Invalid("definition", "a computed trait definition object, such as {\"kind\": \"count\", \"event\": \"Order Completed\"}");
        }

        var errors = ComputedTraits.Validate(element);
        if (errors.Count > 0)
        {
            return InvalidCondition("definition", errors);
        }

        if (TooLarge("definition", element) is { } tooLarge)
        {
            return tooLarge;
        }

        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        if (await workspace.GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var existing = (await workspace.GetCatalogAsync()).ComputedTraits.FirstOrDefault(t => t.Key == key);
        var trait = new ComputedTraitRecord { Key = key, DefinitionJson = element.GetRawText(), Enabled = request.Enabled ?? existing?.Enabled ?? true };
        var change = actor.Change(existing is null ? "computed_trait.create" : "computed_trait.update",
            $"workspaces/{workspaceId}/computed-traits/{key}",
            existing is null ? null : ToAuditView(existing),
            ToAuditView(trait));
        var stored = await workspace.SaveComputedTraitAsync(trait, change);
        var backfill = await StartBackfillAsync(workspaceId, grains);
        var view = new { computedTrait = ToView(stored), backfill };
        return existing is null
            ? TypedResults.Created($"/admin/v1/workspaces/{workspaceId}/computed-traits/{key}", view)
            : TypedResults.Ok(view);
    }

    private static async Task<IResult> DeleteComputedTraitAsync(
        string workspaceId, string key, IGrainFactory grains, AdminActor actor)
    {
        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        if (await workspace.GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var catalog = await workspace.GetCatalogAsync();
        var existing = catalog.ComputedTraits.FirstOrDefault(t => t.Key == key);
        if (existing is null)
        {
            return ComputedTraitNotFound(workspaceId, key);
        }

        var referencing = catalog.Audiences
            .Where(a => Condition.Parse(a.ConditionJson).Condition?.ComputedTraitKeys.Contains(key) == true)
            .Select(a => a.Id).ToList();
        var change = actor.Change(
            "computed_trait.delete", $"workspaces/{workspaceId}/computed-traits/{key}", ToAuditView(existing), null);
        try
        {
            await workspace.DeleteComputedTraitAsync(key, referencing, change);
        }
        catch (AudienceReferenceException exception)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: exception.Message);
        }

        await StartBackfillAsync(workspaceId, grains);
        return TypedResults.NoContent();
    }

    private static async Task<BackfillProgress> StartBackfillAsync(string workspaceId, IGrainFactory grains)
    {
        var version = (await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetCatalogAsync()).Version;
        var backfill = grains.GetGrain<IBackfillGrain>(workspaceId);
        await backfill.StartAsync(version);
        return await backfill.GetProgressAsync();
    }

    private static async Task<(AudienceDefinition? Audience, IResult? Failure)> FindAudienceAsync(
        string workspaceId, string audienceId, IGrainFactory grains)
    {
        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        if (await workspace.GetAsync() is null)
        {
            return (null, WorkspaceNotFound(workspaceId));
        }

        var audience = (await workspace.GetCatalogAsync()).Audiences.FirstOrDefault(a => a.Id == audienceId);
        return audience is null ? (null, AudienceNotFound(workspaceId, audienceId)) : (audience, null);
    }

    private static object ToView(AudienceDefinition audience)
    {
        using var condition = JsonDocument.Parse(audience.ConditionJson);
        return new
        {
            id = audience.Id,
            name = audience.Name,
            description = audience.Description,
            condition = condition.RootElement.Clone(),
            enabled = audience.Enabled,
            version = audience.Version,
            createdAt = audience.CreatedAt,
            updatedAt = audience.UpdatedAt,
        };
    }

    private static object ToView(ComputedTraitRecord trait)
    {
        using var definition = JsonDocument.Parse(trait.DefinitionJson);
        return new
        {
            key = trait.Key,
            definition = definition.RootElement.Clone(),
            enabled = trait.Enabled,
            version = trait.Version,
            createdAt = trait.CreatedAt,
            updatedAt = trait.UpdatedAt,
        };
    }

    // Audit entries keep the fields an admin sets. The entry is built before the workspace grain assigns the
    // version and timestamps, so it leaves them out rather than show values that are not stored.
    private static object ToAuditView(AudienceDefinition audience) => new
    {
        id = audience.Id,
        name = audience.Name,
        description = audience.Description,
        condition = JsonElement.Parse(audience.ConditionJson),
        enabled = audience.Enabled,
    };

    private static object ToAuditView(ComputedTraitRecord trait) => new
    {
        key = trait.Key,
        definition = JsonElement.Parse(trait.DefinitionJson),
        enabled = trait.Enabled,
    };

    private static IResult? TooLarge(string field, JsonElement? definition)
    {
        if (definition is not { } element)
        {
            return null;
        }

        var bytes = System.Text.Encoding.UTF8.GetByteCount(element.GetRawText());
        return bytes > MaxDefinitionBytes
            ? Invalid(field, string.Create(CultureInfo.InvariantCulture, $"at most {MaxDefinitionBytes:N0} bytes of JSON, not {bytes:N0}"))
            : null;
    }

    private static IResult InvalidCondition(string field, IEnumerable<(string Path, string Message)> errors)
    {
        var list = errors.Select(e => new { path = ToBodyPath(field, e.Path), message = e.Message }).ToList();
        return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"Invalid {field}",
            detail: $"Invalid {field}: {string.Join(" ", list.Select(e => $"{e.path}: {e.message}"))}",
            extensions: new Dictionary<string, object?> { ["errors"] = list });
    }

    // A parser path is relative to the definition ("$.all[0]"); the response names it within the request body.
    private static string ToBodyPath(string field, string path) =>
        path == "$" ? $"$.{field}" : string.Concat("$.", field, path.AsSpan(1));

    private static IResult AudienceNotFound(string workspaceId, string audienceId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Audience not found",
            detail: $"Workspace '{workspaceId}' has no audience '{audienceId}'.");

    private static IResult ComputedTraitNotFound(string workspaceId, string key) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Computed trait not found",
            detail: $"Workspace '{workspaceId}' has no computed trait '{key}'.");

    // \z, not $, because $ also matches before a final newline.
    [System.Text.RegularExpressions.GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_]{0,63}\z")]
    private static partial System.Text.RegularExpressions.Regex ComputedTraitKeyPattern();
}

/// <summary>The body that creates or replaces an audience; a missing field keeps its current value on replace.</summary>
public sealed record AudienceRequest(string? Id, string? Name, string? Description, JsonElement? Condition, bool? Enabled);

/// <summary>The body of an estimate: a condition that is not saved.</summary>
public sealed record EstimateRequest(JsonElement? Condition);

/// <summary>The body that creates or replaces a computed trait.</summary>
public sealed record ComputedTraitRequest(JsonElement? Definition, bool? Enabled);
