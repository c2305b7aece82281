using System.Net;
using System.Text.Json;
using Sendora.Tests.Audiences;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Journeys.Templates;

/// <summary>A workspace of its own on the shared server, with helpers for the template routes.</summary>
public sealed class TemplateWorkspace
{
    private TemplateWorkspace(SendoraServer server, string id)
    {
        Server = server;
        Id = id;
    }

    public SendoraServer Server { get; }

    public string Id { get; }

    public string TemplatesPath => $"/admin/v1/workspaces/{Id}/templates";

    public static async Task<TemplateWorkspace> CreateAsync(SendoraServer server)
    {
        var workspace = await AudienceWorkspace.CreateAsync(server);
        return new TemplateWorkspace(server, workspace.Id);
    }

    /// <summary>
    /// Returns the JSON body of an email template named "Welcome" with a subject and both bodies, after
    /// <paramref name="changes"/>. Each change sets a field, or removes it when its value is null.
    /// </summary>
    public static string Email(params (string Name, object? Value)[] changes) => Json(
        [("name", "Welcome"), ("channel", "email"), ("subject", "Hello {{ traits.first_name }}"),
            ("htmlBody", "<p>Hi {{ traits.first_name }}</p>"), ("textBody", "Hi {{ traits.first_name }}")],
        changes);

    /// <summary>
    /// Returns the JSON body of a push template named "Alert" with a title and a body, after changes as in
    /// <see cref="Email"/>.
    /// </summary>
    public static string Push(params (string Name, object? Value)[] changes) => Json(
        [("name", "Alert"), ("channel", "push"), ("title", "Alert"), ("body", "Something happened")],
        changes);

    private static string Json((string Name, object? Value)[] fields, (string Name, object? Value)[] changes)
    {
        var body = fields.ToDictionary(f => f.Name, f => f.Value);
        foreach (var (name, value) in changes)
        {
            if (value is null)
            {
                body.Remove(name);
            }
            else
            {
                body[name] = value;
            }
        }

        return JsonSerializer.Serialize(body);
    }

    public Task<HttpResponseMessage> PostAsync(string body) =>
        Server.SendAsAdminAsync(HttpMethod.Post, TemplatesPath, body);

    public Task<HttpResponseMessage> PutAsync(string templateId, string body) =>
        Server.SendAsAdminAsync(HttpMethod.Put, $"{TemplatesPath}/{templateId}", body);

    public Task<HttpResponseMessage> DeleteAsync(string templateId) =>
        Server.SendAsAdminAsync(HttpMethod.Delete, $"{TemplatesPath}/{templateId}", "{}");

    public Task<HttpResponseMessage> PreviewAsync(string templateId, string body) =>
        Server.SendAsAdminAsync(HttpMethod.Post, $"{TemplatesPath}/{templateId}/preview", body);

    /// <summary>Creates a template, asserts 201 and returns the stored template.</summary>
    public async Task<JsonElement> CreateAsync(string body)
    {
        using var response = await PostAsync(body);
        await JsonAssert.StatusAsync(HttpStatusCode.Created, response);
        return await JsonAssert.ReadAsync(response);
    }

    /// <summary>Replaces a template, asserts 200 and returns the stored template.</summary>
    public async Task<JsonElement> UpdateAsync(string templateId, string body)
    {
        using var response = await PutAsync(templateId, body);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }

    /// <summary>Deletes a template and asserts 204.</summary>
    public async Task DeleteExistingAsync(string templateId)
    {
        using var response = await DeleteAsync(templateId);
        await JsonAssert.StatusAsync(HttpStatusCode.NoContent, response);
    }

    public Task<JsonElement> GetTemplateAsync(string templateId) => GetAsync($"{TemplatesPath}/{templateId}");

    /// <summary>Asserts that <paramref name="response"/> is a 400 and returns the problem's detail.</summary>
    public static async Task<string> ReadBadRequestDetailAsync(HttpResponseMessage response)
    {
        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var problem = await JsonAssert.ReadAsync(response);
        return problem.GetProperty("detail").GetString()!;
    }

    public async Task<JsonElement> GetAsync(string path)
    {
        using var response = await Server.GetAsAdminAsync(path);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return await JsonAssert.ReadAsync(response);
    }

    /// <summary>Returns the ids in the template list, in the order listed.</summary>
    public async Task<List<string>> ListIdsAsync()
    {
        var list = await GetAsync(TemplatesPath);
        return [.. list.GetProperty("data").EnumerateArray().Select(t => t.GetProperty("id").GetString()!)];
    }
}
