using Sendora.Grains;
using Sendora.Grains.Admin;
using Sendora.Grains.Audiences;
using Sendora.Grains.Channels;
using Sendora.Grains.Groups;
using Sendora.Grains.Identity;
using Sendora.Grains.Inspection;
using Sendora.Grains.Journeys;
using Sendora.Grains.Profiles;

namespace Sendora.Gateway.Admin;

public static partial class AdminApi
{
    private const int DefaultInspectionItems = 1_000;

    // Below this, the cut could also drop members of the state classes themselves: ProfileState has 18.
    private const int MinInspectionItems = 50;
    private const int MaxInspectionItems = 100_000;
    private const int MaxMergeHops = 8;

    private static void MapInspectionRoutes(RouteGroupBuilder admin)
    {
        var inspect = admin.MapGroup("/workspaces/{workspaceId}/inspect").WithTags("Inspection");
        inspect.MapGet("/profiles/{profile}", InspectProfileAsync).WithName("InspectProfile")
            .WithSummary("Returns a profile's live state, by profile id or external id, with the result of every audience condition");
        inspect.MapGet("/profiles/{profile}/audiences", ExplainAudiencesAsync).WithName("ExplainAudiences")
            .WithSummary("Evaluates every audience against a profile and returns each condition's result");
        inspect.MapGet("/profiles/{profile}/audiences/{audienceId}", ExplainAudienceAsync).WithName("ExplainAudience")
            .WithSummary("Evaluates one audience against a profile and returns each condition's result");
        inspect.MapGet("/profiles/{profile}/deliveries", InspectProfileDeliveriesAsync).WithName("InspectProfileDeliveries")
            .WithSummary("Returns the live state of a profile's delivery grain: subscriptions, caps and delivery log");
        inspect.MapGet("/identities/{externalId}", InspectIdentityAsync).WithName("InspectIdentity")
            .WithSummary("Returns the live state of an external id's Identity grain");
        inspect.MapGet("/groups/{groupId}", InspectGroupAsync).WithName("InspectGroup")
            .WithSummary("Returns the live state of a group");
        inspect.MapGet("/audiences/{audienceId}", InspectAudienceAsync).WithName("InspectAudience")
            .WithSummary("Returns the live state of an audience and of each of its member shards");
        inspect.MapGet("/audiences/{audienceId}/shards/{shard:int}", InspectAudienceShardAsync).WithName("InspectAudienceShard")
            .WithSummary("Returns the live state of one member shard of an audience");
        inspect.MapGet("/journeys/{journeyId}", InspectJourneyAsync).WithName("InspectJourney")
            .WithSummary("Returns the live state of a journey");
        inspect.MapGet("/journeys/{journeyId}/runs/{profileId}", InspectJourneyRunAsync).WithName("InspectJourneyRun")
            .WithSummary("Returns the live state of one profile's runs through a journey");
        inspect.MapGet("/journeys/{journeyId}/steps/{stepId}/deliveries", InspectStepDeliveriesAsync)
            .WithName("InspectStepDeliveries")
            .WithSummary("Returns the live state of a journey step's delivery log");
        inspect.MapGet("/deliveries/{deliveryId}", InspectDeliveryAsync).WithName("InspectDelivery")
            .WithSummary("Returns the live state of one delivery");
    }

    private static async Task<IResult> InspectProfileAsync(
        string workspaceId, string profile, IGrainFactory grains, int? maxItems = null)
    {
        if (await CheckInspectionAsync(workspaceId, maxItems, grains) is { } invalid)
        {
            return invalid;
        }

        var (profileId, resolution, failure) = await ResolveProfileAsync(workspaceId, profile, grains);
        if (failure is not null)
        {
            return failure;
        }

        var grain = grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspaceId, profileId!));
        var inspection = grain.InspectAsync(maxItems ?? DefaultInspectionItems);
        var explanation = grain.ExplainAudiencesAsync(audienceId: null);
        return TypedResults.Ok(new ProfileInspection(
            profileId!, resolution, InspectedGrain.From(await inspection), await explanation));
    }

    private static Task<IResult> ExplainAudiencesAsync(string workspaceId, string profile, IGrainFactory grains) =>
        ExplainAsync(workspaceId, profile, audienceId: null, grains);

    private static Task<IResult> ExplainAudienceAsync(string workspaceId, string profile, string audienceId, IGrainFactory grains) =>
        ExplainAsync(workspaceId, profile, audienceId, grains);

    private static async Task<IResult> ExplainAsync(string workspaceId, string profile, string? audienceId, IGrainFactory grains)
    {
        if (await CheckInspectionAsync(workspaceId, maxItems: null, grains) is { } invalid)
        {
            return invalid;
        }

        var (profileId, _, failure) = await ResolveProfileAsync(workspaceId, profile, grains);
        if (failure is not null)
        {
            return failure;
        }

        var explanation = await grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspaceId, profileId!))
            .ExplainAudiencesAsync(audienceId);
        if (audienceId is not null && explanation.Exists && explanation.MergedInto is null && explanation.Audiences.Count == 0)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Audience not found",
                detail: $"Workspace '{workspaceId}' has no audience with the id '{audienceId}'.");
        }

        return TypedResults.Ok(explanation);
    }

    private static async Task<IResult> InspectProfileDeliveriesAsync(
        string workspaceId, string profile, IGrainFactory grains, int? maxItems = null)
    {
        if (await CheckInspectionAsync(workspaceId, maxItems, grains) is { } invalid)
        {
            return invalid;
        }

        var (profileId, _, failure) = await ResolveProfileAsync(workspaceId, profile, grains);
        return failure ?? await InspectAsync(
            grains.GetGrain<IProfileDeliveryGrain>(GrainKeys.Scoped(workspaceId, profileId!)), maxItems);
    }

    private static async Task<IResult> InspectIdentityAsync(
        string workspaceId, string externalId, IGrainFactory grains, int? maxItems = null)
    {
        if (!ExternalIdKey.TryParse(externalId, out var key))
        {
            return Invalid("externalId", "an external id of the form type:value, such as user_id:42");
        }

        return await CheckInspectionAsync(workspaceId, maxItems, grains)
            ?? await InspectAsync(grains.GetGrain<IIdentityGrain>(key.GrainKey(workspaceId)), maxItems);
    }

    private static async Task<IResult> InspectGroupAsync(
        string workspaceId, string groupId, IGrainFactory grains, int? maxItems = null) =>
        await CheckInspectionAsync(workspaceId, maxItems, grains)
            ?? await InspectAsync(
                grains.GetGrain<IGroupGrain>(GrainKeys.Scoped(workspaceId, GrainKeys.EncodeValue(groupId))), maxItems);

    private static async Task<IResult> InspectAudienceAsync(
        string workspaceId, string audienceId, IGrainFactory grains, int? maxItems = null)
    {
        if (await CheckInspectionAsync(workspaceId, maxItems, grains) is { } invalid)
        {
            return invalid;
        }

        var audienceKey = GrainKeys.Scoped(workspaceId, audienceId);
        var items = maxItems ?? DefaultInspectionItems;
        var audience = InspectedGrain.From(await grains.GetGrain<IAudienceGrain>(audienceKey).InspectAsync(items));

        // An audience that never recorded a change has empty shards, so they are not activated to show it.
        var shardCount = audience.Exists ? ShardCountOf(audience) : 0;
        var shards = await Task.WhenAll(Enumerable.Range(0, shardCount).Select(number =>
            grains.GetGrain<IAudienceShardGrain>(AudienceGrain.ShardKey(audienceKey, number)).InspectAsync(items)));
        return TypedResults.Ok(new { audience, shards = shards.Select(InspectedGrain.From) });
    }

    private static async Task<IResult> InspectAudienceShardAsync(
        string workspaceId, string audienceId, int shard, IGrainFactory grains, int? maxItems = null)
    {
        if (await CheckInspectionAsync(workspaceId, maxItems, grains) is { } invalid)
        {
            return invalid;
        }

        var audienceKey = GrainKeys.Scoped(workspaceId, audienceId);
        var audience = InspectedGrain.From(await grains.GetGrain<IAudienceGrain>(audienceKey).InspectAsync(MinInspectionItems));
        var shardCount = ShardCountOf(audience);
        if (shard < 0 || shard >= shardCount)
        {
            return Invalid("shard", $"a shard number from 0 to {shardCount - 1}");
        }

        return await InspectAsync(grains.GetGrain<IAudienceShardGrain>(AudienceGrain.ShardKey(audienceKey, shard)), maxItems);
    }

    private static async Task<IResult> InspectJourneyAsync(
        string workspaceId, string journeyId, IGrainFactory grains, int? maxItems = null) =>
        await CheckInspectionAsync(workspaceId, maxItems, grains)
            ?? await InspectAsync(grains.GetGrain<IJourneyGrain>(GrainKeys.Scoped(workspaceId, journeyId)), maxItems);

    private static async Task<IResult> InspectJourneyRunAsync(
        string workspaceId, string journeyId, string profileId, IGrainFactory grains, int? maxItems = null)
    {
        if (await CheckInspectionAsync(workspaceId, maxItems, grains) is { } invalid)
        {
            return invalid;
        }

        var (resolved, _, failure) = await ResolveProfileAsync(workspaceId, profileId, grains);
        return failure ?? await InspectAsync(
            grains.GetGrain<IJourneyRunGrain>(GrainKeys.Scoped(workspaceId, $"{journeyId}/{resolved}")), maxItems);
    }

    private static async Task<IResult> InspectStepDeliveriesAsync(
        string workspaceId, string journeyId, string stepId, IGrainFactory grains, int? maxItems = null) =>
        await CheckInspectionAsync(workspaceId, maxItems, grains)
            ?? await InspectAsync(
                grains.GetGrain<IStepDeliveryLogGrain>(GrainKeys.Scoped(workspaceId, $"{journeyId}/{stepId}")), maxItems);

    private static async Task<IResult> InspectDeliveryAsync(
        string workspaceId, string deliveryId, IGrainFactory grains, int? maxItems = null) =>
        await CheckInspectionAsync(workspaceId, maxItems, grains)
            ?? await InspectAsync(grains.GetGrain<IDeliveryGrain>(GrainKeys.Scoped(workspaceId, deliveryId)), maxItems);

    private static async Task<IResult> InspectAsync(IInspectable grain, int? maxItems) =>
        TypedResults.Ok(InspectedGrain.From(await grain.InspectAsync(maxItems ?? DefaultInspectionItems)));

    /// <summary>Returns a problem when <paramref name="maxItems"/> is out of range or the workspace does not exist, else null.</summary>
    private static async Task<IResult?> CheckInspectionAsync(string workspaceId, int? maxItems, IGrainFactory grains)
    {
        if (maxItems is < MinInspectionItems or > MaxInspectionItems)
        {
            return Invalid("maxItems", $"a whole number from {MinInspectionItems} to {MaxInspectionItems}");
        }

        return await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync() is null ? WorkspaceNotFound(workspaceId) : null;
    }

    /// <summary>
    /// Finds the profile that <paramref name="profile"/> names: a profile id as it is, or an external id
    /// (<c>type:value</c>, which profile ids never contain) through its Identity grain and on to the survivor of merges.
    /// </summary>
    private static async Task<(string? ProfileId, ProfileResolution? Resolution, IResult? Failure)> ResolveProfileAsync(
        string workspaceId, string profile, IGrainFactory grains)
    {
        if (!profile.Contains(':'))
        {
            return (profile, null, null);
        }

        if (!ExternalIdKey.TryParse(profile, out var externalId))
        {
            return (null, null, Invalid("profile", "a profile id, or an external id of the form type:value such as user_id:42"));
        }

        var owner = await grains.GetGrain<IIdentityGrain>(externalId.GrainKey(workspaceId)).ResolveAsync();
        if (owner is null)
        {
            return (null, null, TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Profile not found",
                detail: $"No profile in workspace '{workspaceId}' has the external id '{profile}'."));
        }

        var merged = new List<string>();
        var current = owner;
        for (var hop = 0; hop < MaxMergeHops; hop++)
        {
            var identity = await grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspaceId, current)).GetIdentityAsync();
            if (identity.MergedInto is not { } survivor)
            {
                break;
            }

            merged.Add(current);
            current = survivor;
        }

        return (current, new ProfileResolution(profile, owner, merged), null);
    }

    private static int ShardCountOf(InspectedGrain audience) =>
        audience.State.TryGetProperty("shardCount", out var count) ? count.GetInt32() : 0;
}
