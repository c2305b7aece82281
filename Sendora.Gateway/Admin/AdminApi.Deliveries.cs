using Sendora.Grains;
using Sendora.Grains.Channels;

namespace Sendora.Gateway.Admin;

public static partial class AdminApi
{
    private static void MapDeliveryRoutes(RouteGroupBuilder admin)
    {
        admin.MapGet("/workspaces/{workspaceId}/deliveries/{deliveryId}", GetDeliveryAsync).WithName("GetDelivery")
            .WithSummary("Returns one delivery's record");
        admin.MapGet("/workspaces/{workspaceId}/profiles/{profileId}/deliveries", ListProfileDeliveriesAsync)
            .WithName("ListProfileDeliveries")
            .WithSummary("Lists a profile's deliveries, newest first, with its subscriptions and undeliverable addresses");
        admin.MapGet("/workspaces/{workspaceId}/journeys/{journeyId}/steps/{stepId}/deliveries", ListStepDeliveriesAsync)
            .WithName("ListStepDeliveries")
            .WithSummary("Lists a journey step's deliveries, newest first, with counts by status");
        admin.MapPut("/workspaces/{workspaceId}/profiles/{profileId}/subscriptions/{channel}", SetSubscriptionAsync)
            .WithName("SetSubscription")
            .WithSummary("Subscribes or unsubscribes a profile from a channel's non-transactional messages");
    }

    private static async Task<IResult> SetSubscriptionAsync(
        string workspaceId, string profileId, string channel, SetSubscriptionRequest request, IGrainFactory grains,
        AdminActor actor)
    {
        if (!DeliveryChannels.IsKnown(channel))
        {
            return Invalid("channel", "email, push or webhook");
        }

        if (request.Subscribed is not { } subscribed)
        {
            return Invalid("subscribed", "true or false");
        }

        // An external id such as user_id:42 names the profile that owns it. Kept as given, it would be a key that no
        // delivery reads.
        var (resolved, _, failure) = await ResolveProfileAsync(workspaceId, profileId, grains);
        if (failure is not null)
        {
            return failure;
        }

        profileId = resolved!;
        var grain = grains.GetGrain<IProfileDeliveryGrain>(GrainKeys.Scoped(workspaceId, profileId));
        var before = (await grain.GetStatusAsync()).Subscriptions.GetValueOrDefault(channel);
        await grain.SetSubscriptionAsync(channel, subscribed, request.Reason ?? "Admin API");
        var after = (await grain.GetStatusAsync()).Subscriptions[channel];

        // The profile's delivery grain stores the change before the entry is sent: see the NOTE on RecordAuditAsync.
        await RecordAuditAsync(grains, workspaceId, actor.Change("subscription.update",
            $"workspaces/{workspaceId}/profiles/{profileId}/subscriptions/{channel}", before, after));
        return TypedResults.Ok(after);
    }

    private static async Task<IResult> GetDeliveryAsync(string workspaceId, string deliveryId, IGrainFactory grains) =>
        await grains.GetGrain<IDeliveryGrain>(GrainKeys.Scoped(workspaceId, deliveryId)).GetAsync() is { } record
            ? TypedResults.Ok(record)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Delivery not found",
                detail: $"Workspace '{workspaceId}' has no delivery with the id '{deliveryId}'.");

    private static async Task<IResult> ListProfileDeliveriesAsync(
        string workspaceId, string profileId, IGrainFactory grains, int? limit = null, int? offset = null)
    {
        if (ValidatePage(limit, offset) is { } invalid)
        {
            return invalid;
        }

        var (resolved, _, failure) = await ResolveProfileAsync(workspaceId, profileId, grains);
        if (failure is not null)
        {
            return failure;
        }

        var grain = grains.GetGrain<IProfileDeliveryGrain>(GrainKeys.Scoped(workspaceId, resolved!));
        var page = await grain.GetLogAsync(offset ?? 0, limit ?? 50);
        var status = await grain.GetStatusAsync();
        return TypedResults.Ok(new
        {
            data = page.Deliveries,
            total = page.Total,
            counts = page.Counts,
            subscriptions = status.Subscriptions,
            undeliverableAddresses = status.UndeliverableAddresses.Count,
        });
    }

    private static async Task<IResult> ListStepDeliveriesAsync(
        string workspaceId, string journeyId, string stepId, IGrainFactory grains, int? limit = null, int? offset = null)
    {
        if (ValidatePage(limit, offset) is { } invalid)
        {
            return invalid;
        }

        var page = await grains.GetGrain<IStepDeliveryLogGrain>(GrainKeys.Scoped(workspaceId, $"{journeyId}/{stepId}"))
            .GetLogAsync(offset ?? 0, limit ?? 50);
        return TypedResults.Ok(new { data = page.Deliveries, total = page.Total, counts = page.Counts });
    }

    private static IResult? ValidatePage(int? limit, int? offset) =>
        limit is < 1 or > 500 ? Invalid("limit", "a whole number from 1 to 500")
        : offset is < 0 ? Invalid("offset", "zero or a positive whole number")
        : null;
}

/// <summary>The body of a request that changes a profile's subscription to a channel.</summary>
public sealed record SetSubscriptionRequest(bool? Subscribed, string? Reason);
