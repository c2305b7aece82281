using System.Security.Cryptography;
using System.Text.Json;
using Sendora.Grains;
using Sendora.Grains.Admin;
using Sendora.Grains.Admin.Audit;
using Sendora.Grains.Channels;
using Sendora.Grains.Journeys.Templates;

namespace Sendora.Gateway.Admin;

public static partial class AdminApi
{
    private const string TemplateIdRule =
        "1 to 64 characters of lower-case letters, digits, '-' and '_', starting with a letter or digit";

    // Rendering keeps no state, so the gateway renders previews itself, even when it hosts no silo.
    private static readonly TemplateRenderer PreviewRenderer = new();

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    private static void MapTemplateRoutes(RouteGroupBuilder admin)
    {
        var templates = admin.MapGroup("/workspaces/{workspaceId}/templates");
        templates.MapGet("/", ListTemplatesAsync).WithName("ListTemplates")
            .WithSummary("Lists the workspace's templates with their id, name, channel, version and last update");
        templates.MapPost("/", CreateTemplateAsync).WithName("CreateTemplate")
            .WithSummary("Creates an email or push template; 409 when the id is taken");
        templates.MapGet("/{templateId}", GetTemplateAsync).WithName("GetTemplate")
            .WithSummary("Returns a template with its content and version");
        templates.MapPut("/{templateId}", UpdateTemplateAsync).WithName("UpdateTemplate")
            .WithSummary("Replaces a template's name and content; the channel stays and the version grows by one");
        templates.MapDelete("/{templateId}", DeleteTemplateAsync).WithName("DeleteTemplate")
            .WithSummary("Deletes a template; journeys published before keep their copy of it");
        templates.MapPost("/{templateId}/preview", PreviewTemplateAsync).WithName("PreviewTemplate")
            .WithSummary("Renders a template over the traits, event and journey in the body, without sending it");
    }

    private static async Task<IResult> ListTemplatesAsync(string workspaceId, IGrainFactory grains)
    {
        if (await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var summaries = await grains.GetGrain<ITemplateDirectoryGrain>(workspaceId).ListAsync();
        return TypedResults.Ok(new { data = summaries });
    }

    private static async Task<IResult> CreateTemplateAsync(
        string workspaceId, TemplateRequest request, IGrainFactory grains, AdminActor actor)
    {
        if (request.Id is not null && !WorkspaceIdPattern().IsMatch(request.Id))
        {
            return Invalid("id", TemplateIdRule);
        }

        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        if (await workspace.GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        var id = request.Id ?? "tpl_" + RandomNumberGenerator.GetHexString(16, lowercase: true);
        var template = ToRecord(id, request, request.Channel);
        if (TemplateValidator.Validate(template) is { } error)
        {
            return Invalid(error.Field, error.Expected);
        }

        TemplateRecord stored;
        try
        {
            stored = await grains.GetGrain<ITemplateGrain>(GrainKeys.Scoped(workspaceId, id)).CreateAsync(template);
        }
        catch (AdminConflictException exception)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Conflict",
                detail: $"{exception.Message} Use PUT to change it.");
        }

        var change = TemplateChange(actor, "template.create", workspaceId, id, before: null, after: stored);
        await RecordAuditAsync(grains, workspaceId, change);
        return TypedResults.Created($"/admin/v1/workspaces/{workspaceId}/templates/{id}", ToView(stored));
    }

    private static async Task<IResult> GetTemplateAsync(string workspaceId, string templateId, IGrainFactory grains)
    {
        var (template, failure) = await FindTemplateAsync(workspaceId, templateId, grains);
        return failure ?? TypedResults.Ok(ToView(template!));
    }

    private static async Task<IResult> UpdateTemplateAsync(
        string workspaceId, string templateId, TemplateRequest request, IGrainFactory grains, AdminActor actor)
    {
        var (existing, failure) = await FindTemplateAsync(workspaceId, templateId, grains);
        if (failure is not null)
        {
            return failure;
        }

        if (request.Id is not null && request.Id != templateId)
        {
            return Invalid("id", $"absent or \"{templateId}\", the id in the path");
        }

        if (request.Channel is not null && request.Channel != existing!.Channel)
        {
            return Invalid("channel",
                $"absent or \"{existing.Channel}\", because a template keeps the channel it was created with");
        }

        var template = ToRecord(templateId, request, existing!.Channel);
        if (TemplateValidator.Validate(template) is { } error)
        {
            return Invalid(error.Field, error.Expected);
        }

        var grain = grains.GetGrain<ITemplateGrain>(GrainKeys.Scoped(workspaceId, templateId));
        var stored = await grain.SaveAsync(template);
        var change = TemplateChange(actor, "template.update", workspaceId, templateId, existing, stored);
        await RecordAuditAsync(grains, workspaceId, change);
        return TypedResults.Ok(ToView(stored));
    }

    private static async Task<IResult> DeleteTemplateAsync(
        string workspaceId, string templateId, IGrainFactory grains, AdminActor actor)
    {
        var workspace = grains.GetGrain<IWorkspaceGrain>(workspaceId);
        if (await workspace.GetAsync() is null)
        {
            return WorkspaceNotFound(workspaceId);
        }

        if (!WorkspaceIdPattern().IsMatch(templateId))
        {
            return TemplateNotFound(workspaceId, templateId);
        }

        var deleted = await grains.GetGrain<ITemplateGrain>(GrainKeys.Scoped(workspaceId, templateId)).DeleteAsync();
        if (deleted is null)
        {
            return TemplateNotFound(workspaceId, templateId);
        }

        var change = TemplateChange(actor, "template.delete", workspaceId, templateId, deleted, after: null);
        await RecordAuditAsync(grains, workspaceId, change);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> PreviewTemplateAsync(
        string workspaceId, string templateId, PreviewRequest? request, IGrainFactory grains)
    {
        var context = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var (field, value) in (ReadOnlySpan<(string, JsonElement?)>)
            [("traits", request?.Traits), ("event", request?.Event), ("journey", request?.Journey)])
        {
            if (value is { ValueKind: not JsonValueKind.Object })
            {
                return Invalid(field, "a JSON object when it is set");
            }

            context[field] = value ?? EmptyObject;
        }

        var (template, failure) = await FindTemplateAsync(workspaceId, templateId, grains);
        if (failure is not null)
        {
            return failure;
        }

        var contextJson = JsonSerializer.SerializeToElement(context);
        try
        {
            return template!.Channel == DeliveryChannels.Email
                ? TypedResults.Ok(new
                {
                    channel = template.Channel,
                    subject = await RenderPreviewAsync("subject", template.Subject, contextJson),
                    htmlBody = await RenderPreviewAsync("htmlBody", template.HtmlBody, contextJson, TemplateOutput.Html),
                    textBody = await RenderPreviewAsync("textBody", template.TextBody, contextJson),
                })
                : TypedResults.Ok(new
                {
                    channel = template.Channel,
                    title = await RenderPreviewAsync("title", template.Title, contextJson),
                    body = await RenderPreviewAsync("body", template.Body, contextJson),
                    data = template.Data,
                });
        }
        catch (TemplateException exception)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Template failed to render",
                detail: exception.Message);
        }
    }

    private static async Task<string?> RenderPreviewAsync(
        string field, string? source, JsonElement context, TemplateOutput output = TemplateOutput.Text) =>
        source is null ? null : await PreviewRenderer.RenderAsync(field, source, context, output);

    private static async Task<(TemplateRecord? Template, IResult? Failure)> FindTemplateAsync(
        string workspaceId, string templateId, IGrainFactory grains)
    {
        if (await grains.GetGrain<IWorkspaceGrain>(workspaceId).GetAsync() is null)
        {
            return (null, WorkspaceNotFound(workspaceId));
        }

        // No template can have an id outside the pattern, so its grain is not activated to find that out.
        var template = WorkspaceIdPattern().IsMatch(templateId)
            ? await grains.GetGrain<ITemplateGrain>(GrainKeys.Scoped(workspaceId, templateId)).GetAsync()
            : null;
        return template is null ? (null, TemplateNotFound(workspaceId, templateId)) : (template, null);
    }

    private static TemplateRecord ToRecord(string id, TemplateRequest request, string? channel) => new()
    {
        Id = id,
        Name = request.Name ?? string.Empty,
        Channel = channel ?? string.Empty,
        Subject = request.Subject,
        HtmlBody = request.HtmlBody,
        TextBody = request.TextBody,
        Title = request.Title,
        Body = request.Body,
        Data = request.Data,
    };

    private static object ToView(TemplateRecord template) => template.Channel == DeliveryChannels.Email
        ? new
        {
            id = template.Id,
            name = template.Name,
            channel = template.Channel,
            subject = template.Subject,
            htmlBody = template.HtmlBody,
            textBody = template.TextBody,
            version = template.Version,
            createdAt = template.CreatedAt,
            updatedAt = template.UpdatedAt,
        }
        : new
        {
            id = template.Id,
            name = template.Name,
            channel = template.Channel,
            title = template.Title,
            body = template.Body,
            data = template.Data,
            version = template.Version,
            createdAt = template.CreatedAt,
            updatedAt = template.UpdatedAt,
        };

    // Template bodies may be larger than the 64 KiB an audit value keeps, so the entry keeps a hash of the content,
    // not the bodies. The template grain stores the change before the entry is sent: see the NOTE on RecordAuditAsync.
    private static AuditEntry TemplateChange(
        AdminActor actor, string action, string workspaceId, string templateId,
        TemplateRecord? before, TemplateRecord? after) =>
        actor.Change(action, $"workspaces/{workspaceId}/templates/{templateId}",
            ToAuditSummary(before), ToAuditSummary(after));

    private static object? ToAuditSummary(TemplateRecord? template) => template is null
        ? null
        : new
        {
            name = template.Name,
            channel = template.Channel,
            version = template.Version,
            contentSha256 = template.ComputeContentHash(),
        };

    private static IResult TemplateNotFound(string workspaceId, string templateId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Template not found",
            detail: $"Workspace '{workspaceId}' has no template '{templateId}'.");
}

/// <summary>
/// The body that creates or replaces a template. An email template sets <c>subject</c> and at least one of
/// <c>htmlBody</c> and <c>textBody</c>. A push template sets <c>title</c> and <c>body</c>, and may set <c>data</c>.
/// </summary>
public sealed record TemplateRequest(
    string? Id,
    string? Name,
    string? Channel,
    string? Subject,
    string? HtmlBody,
    string? TextBody,
    string? Title,
    string? Body,
    Dictionary<string, string>? Data);

/// <summary>The variables that a preview renders a template over. Each one that is absent is an empty object.</summary>
public sealed record PreviewRequest(JsonElement? Traits, JsonElement? Event, JsonElement? Journey);
