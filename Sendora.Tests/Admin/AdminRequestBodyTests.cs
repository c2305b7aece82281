using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Admin;

/// <summary>
/// Every admin route that takes a body rejects a body that is not a JSON object sent as JSON with a problem naming
/// what to send: 415 without <c>Content-Type: application/json</c>, 400 for an empty body, <c>null</c> or another JSON
/// value at the root. The routes come from the gateway's own endpoints, so a new route is covered without a new test.
/// </summary>
[Collection(SendoraCollection.Name)]
public sealed class AdminRequestBodyTests(SendoraFixture fixture)
{
    private const string ValidJsonObject = """{"name":"x"}""";

    [Theory]
    [InlineData(null, "has no Content-Type")]
    [InlineData("text/plain", "not 'text/plain'")]
    [InlineData("application/x-www-form-urlencoded", "not 'application/x-www-form-urlencoded'")]
    public async Task BodyWithoutJsonContentType_Returns415Problem(string? contentType, string expected)
    {
        var failures = new List<string>();
        foreach (var route in BodyRoutes())
        {
            using var response = await SendAsync(route, ValidJsonObject, contentType);
            await CheckProblemAsync(route, response, HttpStatusCode.UnsupportedMediaType,
                ["'Content-Type: application/json'", expected], failures);
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Theory]
    [InlineData("", "application/json", "The request body is empty; send a JSON object")]
    [InlineData("", null, "The request body is empty; send a JSON object")]
    [InlineData(" \r\n ", "application/json", "The request body is empty; send a JSON object")]
    [InlineData("null", "application/json", "The request body is null; send a JSON object")]
    public async Task EmptyOrNullBody_Returns400Problem(string body, string? contentType, string expected)
    {
        var failures = new List<string>();
        foreach (var route in BodyRoutes().Where(route => !route.BodyOptional))
        {
            using var response = await SendAsync(route, body, contentType);
            await CheckProblemAsync(route, response, HttpStatusCode.BadRequest, [expected], failures);
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Theory]
    [InlineData("""[{"name":"x"}]""", "an array")]
    [InlineData("\"x\"", "a string")]
    [InlineData("42", "a number")]
    [InlineData("-1", "a number")]
    [InlineData("true", "a boolean")]
    [InlineData("\uFEFF[]", "an array")]
    public async Task NonObjectBody_Returns400NamingKind(string body, string kind)
    {
        var failures = new List<string>();
        foreach (var route in BodyRoutes())
        {
            using var response = await SendAsync(route, body, "application/json");
            await CheckProblemAsync(route, response, HttpStatusCode.BadRequest,
                [$"The request body must be a JSON object, not {kind}."], failures);
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    [Fact]
    public async Task RouteWithoutBody_IgnoresContentType()
    {
        var route = new BodyRoute("POST", "/admin/v1/workspaces/default/journeys/missing/publish", BodyOptional: true);

        using var response = await SendAsync(route, "anything", "text/plain");

        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, response);
    }

    [Fact]
    public async Task OptionalBody_AcceptsEmptyBody()
    {
        var route = Assert.Single(BodyRoutes(), route => route.BodyOptional);

        using var response = await SendAsync(route, "", "application/json");

        // The template does not exist, so a body that passed binding gets 404.
        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, response);
    }

    [Fact]
    public async Task BodyWithoutToken_Returns401()
    {
        var route = BodyRoutes().First();
        using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path)
        {
            Content = new StringContent(ValidJsonObject, Encoding.UTF8, "text/plain"),
        };

        using var response = await fixture.Server.Http.SendAsync(request);

        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
    }

    /// <summary>
    /// Lists the admin routes that bind a JSON body, with every parameter of the path filled in: the workspace id with
    /// <c>default</c>, the others with ids that do not exist.
    /// </summary>
    private List<BodyRoute> BodyRoutes()
    {
        var routes = new List<BodyRoute>();
        var endpoints = fixture.Server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();
        foreach (var endpoint in endpoints)
        {
            var pattern = endpoint.RoutePattern;
            var accepts = endpoint.Metadata.GetMetadata<IAcceptsMetadata>();
            if (accepts is null || pattern.RawText?.StartsWith("/admin/v1/", StringComparison.Ordinal) != true)
            {
                continue;
            }

            var path = pattern.RawText;
            foreach (var parameter in pattern.Parameters)
            {
                var value = parameter.Name == "workspaceId" ? "default" : "missing";
                path = path.Replace($"{{{parameter.Name}}}", value, StringComparison.Ordinal);
            }

            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
            {
                routes.Add(new BodyRoute(method, path, accepts.IsOptional));
            }
        }

        // A guard against a change in how routes are found, which would leave the tests checking nothing.
        Assert.True(routes.Count >= 20, $"only {routes.Count} admin routes with a body were found");
        return routes;
    }

    private async Task<HttpResponseMessage> SendAsync(BodyRoute route, string body, string? contentType)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        using var request = new HttpRequestMessage(new HttpMethod(route.Method), route.Path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SendoraServer.AdminToken);
        return await fixture.Server.Http.SendAsync(request);
    }

    private static async Task CheckProblemAsync(
        BodyRoute route, HttpResponseMessage response, HttpStatusCode status, string[] expected, List<string> failures)
    {
        var text = await response.Content.ReadAsStringAsync();
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var detail = mediaType == "application/problem+json" ? ReadDetail(text) : null;
        if (response.StatusCode != status || detail is null
            || expected.Any(part => !detail.Contains(part, StringComparison.Ordinal)))
        {
            failures.Add($"{route.Method} {route.Path}: {(int)response.StatusCode} {mediaType} {text}");
        }
    }

    private static string? ReadDetail(string problem)
    {
        using var document = JsonDocument.Parse(problem);
        return document.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() : null;
    }

    private sealed record BodyRoute(string Method, string Path, bool BodyOptional);
}
