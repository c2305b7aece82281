using System.Net;
using System.Text.Json;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Hosting;

/// <summary>The OpenAPI document at /openapi/v1.json describes every route of the gateway.</summary>
[Collection(SendoraCollection.Name)]
public sealed class OpenApiDocumentTests(SendoraFixture fixture)
{
    private static readonly string[] Methods = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task Document_EveryOperation_HasSummaryOrDescription()
    {
        var paths = await ReadPathsAsync();

        var undescribed = new List<string>();
        foreach (var path in paths.EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject().Where(o => Methods.Contains(o.Name)))
            {
                if (IsBlank(operation.Value, "summary") && IsBlank(operation.Value, "description"))
                {
                    undescribed.Add($"{operation.Name.ToUpperInvariant()} {path.Name}");
                }
            }
        }

        Assert.True(undescribed.Count == 0,
            "Add .WithSummary(...) to these routes: " + string.Join(", ", undescribed));
    }

    [Theory]
    [InlineData("/v1/track")]
    [InlineData("/v1/t")]
    [InlineData("/v1/batch")]
    [InlineData("/v1/projects/{writeKey}/settings")]
    [InlineData("/v1/spaces/{workspaceId}/collections/users/profiles/{externalId}/traits")]
    [InlineData("/admin/v1/workspaces")]
    [InlineData("/admin/v1/workspaces/{workspaceId}/audiences")]
    [InlineData("/v1/unsubscribe/{token}")]
    [InlineData("/healthz")]
    [InlineData("/readyz")]
    [InlineData("/metrics")]
    public async Task Document_ListsRoute(string route)
    {
        var paths = await ReadPathsAsync();

        Assert.True(paths.TryGetProperty(route, out _), $"{route} is missing from /openapi/v1.json.");
    }

    private async Task<JsonElement> ReadPathsAsync()
    {
        using var response = await _server.Http.GetAsync("/openapi/v1.json");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return (await JsonAssert.ReadAsync(response)).GetProperty("paths");
    }

    private static bool IsBlank(JsonElement operation, string property) =>
        !operation.TryGetProperty(property, out var value) || string.IsNullOrWhiteSpace(value.GetString());
}
