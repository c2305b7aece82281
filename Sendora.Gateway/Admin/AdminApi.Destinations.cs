using System.Security.Cryptography;
using Sendora.Grains.Admin;
using Sendora.Grains.Destinations;
using Microsoft.Extensions.Options;

namespace Sendora.Gateway.Admin;

public static partial class AdminApi
{
    private const int MaxFailureSamples = 20;

    private static void MapDestinationRoutes(RouteGroupBuilder admin)
    {
        var destinations = admin.MapGroup("/workspaces/{workspaceId}/destinations");
        destinations.MapGet("/", ListDestinationsAsync).WithName("ListDestinations")
            .WithSummary("Lists the workspace's destinations");
        destinations.MapPost("/", CreateDestinationAsync).WithName("CreateDestination")
            .WithSummary("Creates a destination that receives the messages of its sources in signed batches");
        destinations.MapGet("/{destinationId}", GetDestinationAsync).WithName("GetDestination")
            .WithSummary("Returns a destination with its delivered, retrying, failed and parked counts and recent failures");
        destinations.MapPut("/{destinationId}", UpdateDestinationAsync).WithName("UpdateDestination")
            .WithSummary("Replaces a destination's settings; a missing signing secret keeps the old one");
        destinations.MapDelete("/{destinationId}", DeleteDestinationAsync).WithName("DeleteDestination")
            .WithSummary("Deletes a destination with its queued and parked messages");
        destinations.MapPost("/{destinationId}/replay", ReplayDestinationAsync).WithName("ReplayDestination")
            .WithSummary("Queues the destination's parked messages again and returns how many");
    }

    private static async Task<IResult> ListDestinationsAsync(string workspaceId, IGrainFactory grains)
    {
        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        if (await workspace.GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var catalog = await workspace.GetCatalogAsync();
        return TypedResults.Ok(new { data = catalog.Destinations.Select(ToView) });
    }

    private static async Task<IResult> CreateDestinationAsync(
        string workspaceId, DestinationRequest request, IGrainFactory grains, AdminActor actor,
        IOptions<DestinationOptions> options)
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

        var id = request.Id ?? "dst_" + RandomNumberGenerator.GetHexString(16, lowercase: true);
        var catalog = await workspace.GetCatalogAsync();
        if (catalog.Destinations.Any(d => d.Id == id))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict",
                detail: $"Destination '{id}' already exists in workspace '{workspaceId}'; use PUT to change it.");
        }

        return await SaveDestinationAsync(workspaceId, id, request, existing: null, grains, actor, options);
    }

    private static async Task<IResult> UpdateDestinationAsync(
        string workspaceId, string destinationId, DestinationRequest request, IGrainFactory grains, AdminActor actor,
        IOptions<DestinationOptions> options)
    {
        var (existing, failure) = await FindDestinationAsync(workspaceId, destinationId, grains);
        return failure ?? await SaveDestinationAsync(workspaceId, destinationId, request, existing, grains, actor, options);
    }

    private static async Task<IResult> SaveDestinationAsync(
        string workspaceId, string id, DestinationRequest request, DestinationDefinition? existing, IGrainFactory grains,
        AdminActor actor, IOptions<DestinationOptions> options)
    {
        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        var info = await workspace.GetAsync();
        if (info is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var catalog = await workspace.GetCatalogAsync();
        var sourceIds = info.Sources.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var partitions = existing?.Partitions ?? options.Value.Partitions;
        var destination = DestinationValidator.Build(id, request, existing, sourceIds, catalog, out var error) is { } built
            ? built with { Partitions = partitions }
            : null;
        if (destination is null)
        {
            return error!.ConditionErrors is { } conditionErrors
                ? InvalidCondition(error.Field, conditionErrors.Select(e => (e.Path, e.Message)))
                : TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid request", detail: error.Message,
                    extensions: new Dictionary<string, object?> { ["field"] = error.Field });
        }

        var change = actor.Change(existing is null ? "destination.create" : "destination.update",
            $"workspaces/{workspaceId}/destinations/{id}",
            existing is null ? null : ToView(existing),
            ToView(destination));
        var stored = await workspace.SaveDestinationAsync(destination, change);
        return existing is null
            ? TypedResults.Created($"/admin/v1/workspaces/{workspaceId}/destinations/{id}", ToView(stored))
            : TypedResults.Ok(ToView(stored));
    }

    private static async Task<IResult> GetDestinationAsync(
        string workspaceId, string destinationId, IGrainFactory grains)
    {
        var (destination, failure) = await FindDestinationAsync(workspaceId, destinationId, grains);
        if (failure is not null)
        {
            return failure;
        }

        var partitions = await Task.WhenAll(Partitions(workspaceId, destination!, grains).Select(p => p.GetStatsAsync()));
        return TypedResults.Ok(new
        {
            destination = ToView(destination!),
            counts = new
            {
                delivered = partitions.Sum(p => p.Delivered),
                queued = partitions.Sum(p => p.Queued),
                retrying = partitions.Sum(p => p.Retrying),
                failed = partitions.Sum(p => p.Failed),
                parked = partitions.Sum(p => p.Parked),
            },
            failures = partitions.SelectMany(p => p.Failures).OrderByDescending(f => f.At).Take(MaxFailureSamples),
        });
    }

    private static async Task<IResult> DeleteDestinationAsync(
        string workspaceId, string destinationId, IGrainFactory grains, AdminActor actor)
    {
        var (destination, failure) = await FindDestinationAsync(workspaceId, destinationId, grains);
        if (failure is not null)
        {
            return failure;
        }

        var change = actor.Change(
            "destination.delete", $"workspaces/{workspaceId}/destinations/{destinationId}", ToView(destination!), null);
        await grains.GetGrain<IWorkspaceGrain>(workspaceId).DeleteDestinationAsync(destinationId, change);
        await Task.WhenAll(Partitions(workspaceId, destination!, grains).Select(p => p.ClearAsync()));
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ReplayDestinationAsync(
        string workspaceId, string destinationId, IGrainFactory grains, AdminActor actor)
    {
        var (destination, failure) = await FindDestinationAsync(workspaceId, destinationId, grains);
        if (failure is not null)
        {
            return failure;
        }

        var counts = await Task.WhenAll(Partitions(workspaceId, destination!, grains).Select(p => p.ReplayParkedAsync()));
        var replayed = counts.Sum();
        await grains.GetGrain<IWorkspaceGrain>(workspaceId).RecordAsync(actor.Change(
            "destination.replay", $"workspaces/{workspaceId}/destinations/{destinationId}", null, new { replayed }));
        return TypedResults.Ok(new { replayed });
    }

    private static IEnumerable<IDestinationPartitionGrain> Partitions(
        string workspaceId, DestinationDefinition destination, IGrainFactory grains) =>
        Enumerable.Range(0, destination.Partitions).Select(partition =>
            grains.GetGrain<IDestinationPartitionGrain>(DestinationPartitions.Key(workspaceId, destination.Id, partition)));

    private static async Task<(DestinationDefinition? Destination, IResult? Failure)> FindDestinationAsync(
        string workspaceId, string destinationId, IGrainFactory grains)
    {
        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        if (await workspace.GetAsync() is null)
        {
            return (null, WorkspaceNotFound(workspaceId));
        }

        var destination = (await workspace.GetCatalogAsync()).Destinations.FirstOrDefault(d => d.Id == destinationId);
        return destination is null
            ? (null, TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Destination not found",
                detail: $"Workspace '{workspaceId}' has no destination '{destinationId}'."))
            : (destination, null);
    }

    // The signing secret is shown by its last 4 characters only, in responses and in the audit log, and header values
    // not at all.
    private static object ToView(DestinationDefinition d) => new
    {
        d.Id,
        d.Name,
        d.SourceIds,
        d.Enabled,
        url = DestinationValidator.MaskUserInfo(d.Url),
        headers = d.Headers.Keys,
        signingSecret = "…" + d.SigningSecret[^4..],
        filter = new
        {
            d.Filter.EventTypes,
            d.Filter.EventNames,
            where = d.Filter.WhereJson is null ? (System.Text.Json.JsonElement?)null : System.Text.Json.JsonDocument.Parse(d.Filter.WhereJson).RootElement,
        },
        mapping = new { d.Mapping.Rename, d.Mapping.Drop },
        d.AudienceEvents,
        d.BatchSize,
        maxBatchAgeMs = (long?)d.MaxBatchAge?.TotalMilliseconds,
        retryPeriodMinutes = (long?)d.RetryPeriod?.TotalMinutes,
        d.CreatedAt,
        d.UpdatedAt,
    };
}
