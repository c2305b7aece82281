using System.Text.Json;
using Sendora.Gateway.Identity;
using Sendora.Grains;
using Sendora.Grains.Admin;
using Sendora.Grains.Identity;
using Sendora.Grains.Profiles;

namespace Sendora.Gateway.Admin;

public static partial class AdminApi
{
    // The admin API has one token, so every change is recorded under this actor name.
    private const string AdminActor = "admin";

    private static void MapIdentityRoutes(RouteGroupBuilder admin)
    {
        admin.MapGet("/workspaces/{workspaceId}/identity-rules", GetIdentityRulesAsync).WithName("GetIdentityRules")
            .WithSummary("Returns the workspace's identity resolution rules");
        admin.MapPut("/workspaces/{workspaceId}/identity-rules", SetIdentityRulesAsync).WithName("SetIdentityRules")
            .WithSummary("Replaces the identity resolution rules; the change is kept in the audit log");
        admin.MapGet("/workspaces/{workspaceId}/audit", GetAuditAsync).WithName("GetAuditLog")
            .WithSummary("Lists the workspace's admin changes, newest first, with the value before and after");
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
        string workspaceId, IdentityRules rules, IGrainFactory grains, IdentityRulesCache cache, TimeProvider clock)
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
        var change = new AuditEntry(clock.GetUtcNow(), AdminActor, "identity_rules.update",
            $"workspaces/{workspaceId}/identity-rules", JsonSerializer.Serialize(before, JsonSerializerOptions.Web),
            JsonSerializer.Serialize(rules, JsonSerializerOptions.Web));
        await workspace.SetIdentityRulesAsync(rules, change);
        cache.Forget(workspaceId);
        return TypedResults.Ok(rules);
    }

    private static async Task<IResult> GetAuditAsync(string workspaceId, IGrainFactory grains, int? limit = null)
    {
        if (limit is < 1 or > 1_000)
        {
            return Invalid("limit", "a whole number from 1 to 1000");
        }

        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        return await workspace.GetAsync() is null
            ? WorkspaceNotFound(workspaceId)
            : TypedResults.Ok(new { data = await workspace.GetAuditAsync(limit ?? 100) });
    }

    private static async Task<IResult> SplitProfileAsync(
        string workspaceId, string externalId, SplitRequest request, IGrainFactory grains, TimeProvider clock)
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

        try
        {
            var result = await grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(workspaceId, profileId))
                .SplitAsync(splitId, IdentityResolver.NewProfileId(clock.GetUtcNow()));
            return TypedResults.Ok(new { newProfileId = result.NewProfileId, movedEvents = result.MovedEvents });
        }
        catch (KeyNotFoundException exception)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "External id not found",
                detail: exception.Message);
        }
    }
}

/// <summary>The body of a split: the external id to move off the profile.</summary>
public sealed record SplitRequest(string? ExternalId);
