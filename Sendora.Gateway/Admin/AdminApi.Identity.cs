using Sendora.Gateway.Identity;
using Sendora.Grains;
using Sendora.Grains.Admin;
using Sendora.Grains.Identity;
using Sendora.Grains.Profiles;

namespace Sendora.Gateway.Admin;

public static partial class AdminApi
{
    private static void MapIdentityRoutes(RouteGroupBuilder admin)
    {
        admin.MapGet("/workspaces/{workspaceId}/identity-rules", GetIdentityRulesAsync).WithName("GetIdentityRules")
            .WithSummary("Returns the workspace's identity resolution rules");
        admin.MapPut("/workspaces/{workspaceId}/identity-rules", SetIdentityRulesAsync).WithName("SetIdentityRules")
            .WithSummary("Replaces the identity resolution rules; the change is kept in the audit log");
        admin.MapPost("/workspaces/{workspaceId}/profiles/{externalId}/split", SplitProfileAsync).WithName("SplitProfile")
            .WithSummary("Moves an external id and the events that carried it off a profile into a new profile");
    }

    private static async Task<IResult> GetIdentityRulesAsync(string workspaceId, IGrainFactory grains)
    {
        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        return await workspace.GetAsync() is null
            ? WorkspaceNotFound(workspaceId)
            : TypedResults.Ok(await workspace.GetIdentityRulesAsync());
    }

    private static async Task<IResult> SetIdentityRulesAsync(
        string workspaceId, IdentityRules rules, IGrainFactory grains, IdentityRulesCache cache, AdminActor actor)
    {
        if (rules.Validate() is { } problem)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Invalid identity rules",
                detail: $"Invalid identity rules: {problem}.");
        }

        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        if (await workspace.GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var before = await workspace.GetIdentityRulesAsync();
        var change = actor.Change("identity_rules.update", $"workspaces/{workspaceId}/identity-rules", before, rules);
        await workspace.SetIdentityRulesAsync(rules, change);
        cache.Forget(workspaceId);
        return TypedResults.Ok(rules);
    }

    private static async Task<IResult> SplitProfileAsync(
        string workspaceId, string externalId, SplitRequest request, IGrainFactory grains, TimeProvider clock, AdminActor actor)
    {
        if (request.ExternalId is null || !ExternalIdKey.TryParse(request.ExternalId, out var splitId))
        {
            return Invalid("externalId", "an external id of the form type:value, such as anonymous_id:a1");
        }

        if (!ExternalIdKey.TryParse(externalId, out var profileKey))
        {
            return Invalid("externalId", "an external id of the form type:value in the path");
        }

        var profileId = await grains.GetGrain<IIdentityGrain>(profileKey.GrainKey(workspaceId)).ResolveAsync();
        if (profileId is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Profile not found",
                detail: $"No profile in workspace '{workspaceId}' has the external id '{externalId}'.");
        }

        for (var hop = 0; hop < 8; hop++)
        {
            var identity = await grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspaceId, profileId)).GetIdentityAsync();
            if (identity.MergedInto is not { } survivor)
            {
                break;
            }

            profileId = survivor;
        }

        SplitResult result;
        try
        {
            result = await grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspaceId, profileId))
                .SplitAsync(splitId, IdentityResolver.NewProfileId(clock.GetUtcNow()));
        }
        catch (KeyNotFoundException exception)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "External id not found",
                detail: exception.Message);
        }

        var change = actor.Change("profile.split", $"workspaces/{workspaceId}/profiles/{profileId}",
            new { profileId, externalId = request.ExternalId },
            new { profileId = result.NewProfileId, externalId = request.ExternalId, movedEvents = result.MovedEvents });
        await RecordAuditAsync(grains, workspaceId, change);
        return TypedResults.Ok(new { newProfileId = result.NewProfileId, movedEvents = result.MovedEvents });
    }
}

/// <summary>The body of a split: the external id to move off the profile.</summary>
public sealed record SplitRequest(string? ExternalId);
