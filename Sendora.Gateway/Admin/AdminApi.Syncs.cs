using System.Security.Cryptography;
using Sendora.Grains;
using Sendora.Grains.Admin;
using Sendora.Grains.Sync;

namespace Sendora.Gateway.Admin;

public static partial class AdminApi
{
    private const int MaxSyncNameLength = 200;
    private const int MaxSyncRunPageSize = 1_000;

    private static void MapSyncRoutes(RouteGroupBuilder admin)
    {
        var syncs = admin.MapGroup("/workspaces/{workspaceId}/syncs");
        syncs.MapGet("/", ListSyncsAsync).WithName("ListSyncs")
            .WithSummary("Lists the workspace's data syncs with their schedule, current run and last run");
        syncs.MapPost("/", CreateSyncAsync).WithName("CreateSync")
            .WithSummary("Creates a data sync to a PostgreSQL database on a cron schedule; its first run is a full backfill");
        syncs.MapGet("/{syncId}", GetSyncAsync).WithName("GetSync")
            .WithSummary("Returns a sync with its password masked, its next scheduled run and the progress of its current run");
        syncs.MapPatch("/{syncId}", UpdateSyncAsync).WithName("UpdateSync")
            .WithSummary("Changes a sync's name, connection string, schedule, schema, chunk size or enabled flag");
        syncs.MapDelete("/{syncId}", DeleteSyncAsync).WithName("DeleteSync")
            .WithSummary("Stops and deletes a sync; its tables in the target stay");
        syncs.MapPost("/{syncId}/run", RunSyncAsync).WithName("RunSync")
            .WithSummary("Starts a run now that exports what changed since the sync's checkpoint");
        syncs.MapPost("/{syncId}/reset", ResetSyncAsync).WithName("ResetSync")
            .WithSummary("Starts a run that exports every profile again, as a full backfill");
        syncs.MapGet("/{syncId}/runs", ListSyncRunsAsync).WithName("ListSyncRuns")
            .WithSummary("Lists a sync's runs, newest first, with their counts and errors");
    }

    private static async Task<IResult> ListSyncsAsync(string workspaceId, IGrainFactory grains)
    {
        if (await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var ids = await grains.GetGrain<ISyncDirectoryGrain>(workspaceId).ListAsync();
        var syncs = await Task.WhenAll(ids.Select(id => grains.GetGrain<ISyncGrain>(GrainKeys.Scoped(workspaceId, id)).GetAsync()));
        return TypedResults.Ok(new { data = syncs.OfType<SyncInfo>().Select(SyncView) });
    }

    private static async Task<IResult> CreateSyncAsync(
        string workspaceId, SyncRequest request, IGrainFactory grains, AdminActor actor)
    {
        if (request.Id is not null && !WorkspaceIdPattern().IsMatch(request.Id))
        {
            return Invalid("id", "1 to 64 characters of lower-case letters, digits, '-' and '_', starting with a letter or digit");
        }

        if (ValidateSync(request, creating: true) is { } invalid)
        {
            return invalid;
        }

        if (await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var id = request.Id ?? "sync_" + RandomNumberGenerator.GetHexString(16, lowercase: true);
        SyncInfo info;
        try
        {
            info = await grains.GetGrain<ISyncGrain>(GrainKeys.Scoped(workspaceId, id))
                .CreateAsync(request.ToSettings(), actor.Stamp().At);
        }
        catch (AdminConflictException exception)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict", detail: exception.Message);
        }

        await grains.GetGrain<ISyncDirectoryGrain>(workspaceId).AddAsync(id);
        await AuditSyncAsync(grains, actor, "sync.create", workspaceId, id, null, SyncSummary(info));
        return TypedResults.Created($"/admin/v1/workspaces/{workspaceId}/syncs/{id}", SyncView(info));
    }

    private static async Task<IResult> GetSyncAsync(string workspaceId, string syncId, IGrainFactory grains)
    {
        var (_, info, failure) = await FindSyncAsync(workspaceId, syncId, grains);
        return failure ?? TypedResults.Ok(SyncView(info!));
    }

    private static async Task<IResult> UpdateSyncAsync(
        string workspaceId, string syncId, SyncRequest request, IGrainFactory grains, AdminActor actor)
    {
        if (request.Id is not null && request.Id != syncId)
        {
            return Invalid("id", $"absent or '{syncId}': a sync's id cannot change");
        }

        if (ValidateSync(request, creating: false) is { } invalid)
        {
            return invalid;
        }

        var (sync, before, failure) = await FindSyncAsync(workspaceId, syncId, grains);
        if (failure is not null)
        {
            return failure;
        }

        var info = await sync!.UpdateAsync(request.ToSettings(), actor.Stamp().At);
        if (info is null)
        {
            return SyncNotFound(workspaceId, syncId);
        }

        await AuditSyncAsync(grains, actor, "sync.update", workspaceId, syncId, SyncSummary(before!), SyncSummary(info));
        return TypedResults.Ok(SyncView(info));
    }

    private static async Task<IResult> DeleteSyncAsync(string workspaceId, string syncId, IGrainFactory grains, AdminActor actor)
    {
        var (sync, before, failure) = await FindSyncAsync(workspaceId, syncId, grains);
        if (failure is not null)
        {
            return failure;
        }

        await sync!.DeleteAsync();
        await grains.GetGrain<ISyncDirectoryGrain>(workspaceId).RemoveAsync(syncId);
        await AuditSyncAsync(grains, actor, "sync.delete", workspaceId, syncId, SyncSummary(before!), null);
        return TypedResults.NoContent();
    }

    private static Task<IResult> RunSyncAsync(string workspaceId, string syncId, IGrainFactory grains, AdminActor actor) =>
        StartSyncRunAsync(workspaceId, syncId, grains, actor, reset: false);

    private static Task<IResult> ResetSyncAsync(string workspaceId, string syncId, IGrainFactory grains, AdminActor actor) =>
        StartSyncRunAsync(workspaceId, syncId, grains, actor, reset: true);

    private static async Task<IResult> StartSyncRunAsync(
        string workspaceId, string syncId, IGrainFactory grains, AdminActor actor, bool reset)
    {
        var (sync, _, failure) = await FindSyncAsync(workspaceId, syncId, grains);
        if (failure is not null)
        {
            return failure;
        }

        var start = reset ? await sync!.ResetAsync() : await sync!.RunNowAsync();
        if (start is null)
        {
            return SyncNotFound(workspaceId, syncId);
        }

        if (!start.Started)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict",
                detail: $"Sync '{syncId}' is already running run '{start.Run.Id}'; wait for it to finish and try again.");
        }

        await AuditSyncAsync(grains, actor, reset ? "sync.reset" : "sync.run", workspaceId, syncId, null,
            new { runId = start.Run.Id, trigger = start.Run.Trigger });
        return TypedResults.Accepted($"/admin/v1/workspaces/{workspaceId}/syncs/{syncId}/runs", RunView(start.Run));
    }

    private static async Task<IResult> ListSyncRunsAsync(
        string workspaceId, string syncId, IGrainFactory grains, int? limit = null)
    {
        if (limit is < 1 or > MaxSyncRunPageSize)
        {
            return Invalid("limit", $"a whole number from 1 to {MaxSyncRunPageSize}");
        }

        var (sync, _, failure) = await FindSyncAsync(workspaceId, syncId, grains);
        if (failure is not null)
        {
            return failure;
        }

        var runs = await sync!.GetRunsAsync(limit ?? 100);
        return TypedResults.Ok(new { data = runs.Select(RunView) });
    }

    private static IResult? ValidateSync(SyncRequest request, bool creating)
    {
        if (request.Name is not null && (string.IsNullOrWhiteSpace(request.Name) || TextLength.IsOver(request.Name, MaxSyncNameLength)))
        {
            return Invalid("name", $"a non-empty string of at most {MaxSyncNameLength} characters");
        }

        if ((creating || request.ConnectionString is not null)
            && SyncRules.CheckConnectionString(request.ConnectionString) is { } connectionRule)
        {
            return Invalid("connectionString", connectionRule);
        }

        if (creating || request.Schedule is not null)
        {
            SyncRules.ParseSchedule(request.Schedule, out var scheduleRule);
            if (scheduleRule is not null)
            {
                return Invalid("schedule", scheduleRule);
            }
        }

        if (request.Schema is not null && !SyncRules.IsValidSchema(request.Schema))
        {
            return Invalid("schema", SyncRules.SchemaRule);
        }

        if (request.ChunkSize is < 1 or > SyncRules.MaxChunkSize)
        {
            return Invalid("chunkSize", $"a whole number from 1 to {SyncRules.MaxChunkSize}");
        }

        if (!creating && request is { Name: null, ConnectionString: null, Schedule: null, Schema: null, ChunkSize: null, Enabled: null })
        {
            return Invalid("body", "an object with at least one of 'name', 'connectionString', 'schedule', 'schema', 'chunkSize' and 'enabled'");
        }

        return null;
    }

    private static async Task<(ISyncGrain? Sync, SyncInfo? Info, IResult? Failure)> FindSyncAsync(
        string workspaceId, string syncId, IGrainFactory grains)
    {
        if (await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync() is null)
        {
            return (null, null, WorkspaceNotFound(workspaceId));
        }

        var sync = grains.GetGrain<ISyncGrain>(GrainKeys.Scoped(workspaceId, syncId));
        var info = await sync.GetAsync();
        return info is null ? (null, null, SyncNotFound(workspaceId, syncId)) : (sync, info, null);
    }

    private static IResult SyncNotFound(string workspaceId, string syncId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Sync not found",
            detail: $"Workspace '{workspaceId}' has no sync '{syncId}'.");

    private static Task AuditSyncAsync(
        IGrainFactory grains, AdminActor actor, string action, string workspaceId, string syncId, object? before, object? after) =>
        RecordAuditAsync(grains, workspaceId, actor.Change(action, $"workspaces/{workspaceId}/syncs/{syncId}", before, after));

    // The audit log keeps the masked connection string only, like every response.
    private static object SyncSummary(SyncInfo info) => new
    {
        name = info.Name,
        connectionString = info.ConnectionString,
        schedule = info.Schedule,
        schema = info.Schema,
        chunkSize = info.ChunkSize,
        enabled = info.Enabled,
    };

    private static object SyncView(SyncInfo info) => new
    {
        id = info.Id,
        name = info.Name,
        connectionString = info.ConnectionString,
        schedule = info.Schedule,
        schema = info.Schema,
        chunkSize = info.ChunkSize,
        enabled = info.Enabled,
        createdAt = info.CreatedAt,
        updatedAt = info.UpdatedAt,
        nextRunAt = info.NextRunAt,
        status = info.CurrentRun is null ? "idle" : "running",
        consecutiveFailures = info.ConsecutiveFailures,
        currentRun = info.CurrentRun is { } current ? RunView(current) : null,
        lastRun = info.LastRun is { } last ? RunView(last) : null,
    };

    private static object RunView(SyncRun run)
    {
        var total = run.Counts.Total();
        return new
        {
            id = run.Id,
            trigger = run.Trigger,
            kind = run.Kind,
            status = run.Status,
            startedAt = run.StartedAt,
            finishedAt = run.FinishedAt,
            progress = new { phase = run.Phase, done = run.Done, total = run.Total },
            rowsAdded = total.Added,
            rowsUpdated = total.Updated,
            rowsDeleted = total.Deleted,
            tables = new
            {
                profiles = run.Counts.Profiles,
                externalIds = run.Counts.ExternalIds,
                audienceMemberships = run.Counts.Memberships,
                events = run.Counts.Events,
                eventTables = run.Counts.EventTables,
                discards = run.Counts.Discards,
            },
            resumes = run.Resumes,
            error = run.Error,
        };
    }
}

/// <summary>The body that creates a sync or changes some of its settings.</summary>
public sealed record SyncRequest(
    string? Id, string? Name, string? ConnectionString, string? Schedule, string? Schema, int? ChunkSize, bool? Enabled)
{
    public SyncSettings ToSettings() => new()
    {
        Name = Name,
        ConnectionString = ConnectionString,
        Schedule = Schedule?.Trim(),
        Schema = Schema,
        ChunkSize = ChunkSize,
        Enabled = Enabled,
    };
}
