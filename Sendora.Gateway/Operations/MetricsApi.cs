using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Sendora.Gateway.Admin;
using Sendora.Gateway.Hosting;
using Sendora.Silo.Hosting;

namespace Sendora.Gateway.Operations;

/// <summary>
/// The Prometheus scrape endpoint at <c>/metrics</c>, behind the admin token unless
/// <see cref="MetricsOptions.RequireAdminToken"/> is false.
/// </summary>
public static class MetricsApi
{
    public const string Path = "/metrics";

    public static IEndpointRouteBuilder MapMetricsApi(this IEndpointRouteBuilder endpoints)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<MetricsOptions>>().Value;
        Action<IApplicationBuilder>? pipeline = options.RequireAdminToken
            ? branch => branch.Use(RequireAdminTokenAsync)
            : null;
        endpoints.MapPrometheusScrapingEndpoint(Path, meterProvider: null, pipeline, optionsName: null);
        return endpoints;
    }

    /// <summary>
    /// Adds <c>/metrics</c> to the OpenAPI document. ASP.NET Core describes only route handlers, and the exporter
    /// maps a plain request pipeline.
    /// </summary>
    public static OpenApiOptions AddMetricsOperation(this OpenApiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.AddDocumentTransformer((document, _, _) =>
        {
            var operation = new OpenApiOperation
            {
                OperationId = "Metrics",
                Summary = "Returns every metric in the Prometheus text format",
                Description = "Needs the admin token unless Sendora:Metrics:RequireAdminToken is false.",
                Tags = new HashSet<OpenApiTagReference> { new("Operations", document) },
                Responses = new OpenApiResponses
                {
                    ["200"] = new OpenApiResponse
                    {
                        Description = "The metrics in the Prometheus text exposition format",
                        Content = new Dictionary<string, OpenApiMediaType> { ["text/plain"] = new() },
                    },
                    ["401"] = new OpenApiResponse { Description = "The admin token is missing or not valid" },
                },
            };
            var path = new OpenApiPathItem();
            path.AddOperation(HttpMethod.Get, operation);
            document.Paths.Add(Path, path);
            return Task.CompletedTask;
        });
    }

    private static async Task RequireAdminTokenAsync(HttpContext context, RequestDelegate next)
    {
        var adminToken = context.RequestServices.GetRequiredService<IOptions<GatewayOptions>>().Value.AdminToken;
        if (AdminAuthorization.Reject(context.Request, adminToken) is { } rejection)
        {
            await rejection.ExecuteAsync(context);
            return;
        }

        await next(context);
    }
}
