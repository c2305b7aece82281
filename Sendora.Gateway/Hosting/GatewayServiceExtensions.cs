using System.Text.Json.Serialization;
using Sendora.Grains.Admin;
using Sendora.Grains.Destinations;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sendora.Gateway.Admin;
using Sendora.Gateway.Channels;
using Sendora.Gateway.Identity;
using Sendora.Gateway.Operations;
using Sendora.Gateway.Profiles;
using Sendora.Gateway.Tracking;
using Sendora.Grains.Health;
using Sendora.Grains.Ingestion;
using Sendora.Silo.Hosting;

namespace Sendora.Gateway.Hosting;

/// <summary>Registers the gateway's services and maps its HTTP APIs.</summary>
public static class GatewayServiceExtensions
{
    public static WebApplicationBuilder AddSendoraGateway(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;
        services.TryAddSingleton(TimeProvider.System);
        services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.SectionName)
            .Configure(o =>
            {
                o.AdminToken = FirstSet(o.AdminToken, configuration["SENDORA_ADMIN_TOKEN"]) ?? string.Empty;
                o.DefaultWriteKey = FirstSet(o.DefaultWriteKey, configuration["SENDORA_WRITE_KEY"]);
            })
            .Validate(o => o.AdminToken.Length >= 16,
                "The admin token is missing or shorter than 16 characters: set SENDORA_ADMIN_TOKEN (./run.sh generates one).")
            .Validate(o => o.DashboardSessionDuration > TimeSpan.Zero && o.DashboardSessionDuration <= TimeSpan.FromDays(1),
                "Sendora:Gateway:DashboardSessionDuration must be more than zero and at most 1.00:00:00 (one day).")
            .Validate(o => (o.DefaultWriteKey?.Length ?? 0) <= SourceInfo.MaxWriteKeyLength,
                $"Sendora:Gateway:DefaultWriteKey (or SENDORA_WRITE_KEY) must have at most {SourceInfo.MaxWriteKeyLength} characters.")
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GatewayOptions>, GatewayOptionsValidator>());
        services.AddOptions<IngestionOptions>()
            .BindConfiguration(IngestionOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<SourceHealthOptions>()
            .BindConfiguration(SourceHealthOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<DestinationOptions>()
            .BindConfiguration(DestinationOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddSingleton<AdminTokens>();
        services.AddSingleton<MessageNormalizer>();
        services.AddSingleton<IdentityRulesCache>();
        services.AddSingleton<KnownOwners>();
        services.AddSingleton<IdentityResolver>();
        services.AddSingleton<WriteKeyResolver>();
        services.AddSingleton<SuppressionCache>();
        services.AddSingleton<TrackingHandler>();
        services.AddSingleton<IngestionCounters>();
        services.AddSingleton<DashboardSessions>();
        services.AddHostedService(sp => sp.GetRequiredService<IngestionCounters>());
        services.AddHostedService<DefaultWorkspaceBootstrap>();
        services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new UtcTimestampConverter());
            o.SerializerOptions.Converters.Add(new WholeNumberJsonConverter());

            // A misspelt field, such as "filters" for a destination's "filter", would otherwise be dropped without a
            // word, and a field given twice would keep its last value. Both are rejected with the field's path.
            o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
            o.SerializerOptions.AllowDuplicateProperties = false;
        });
        services.AddSingleton<Audiences.AudienceStreamHub>();
        services.AddHostedService(sp => sp.GetRequiredService<Audiences.AudienceStreamHub>());
        services.AddProblemDetails();
        services.AddExceptionHandler<UnavailableExceptionHandler>();
        services.AddExceptionHandler<BadRequestExceptionHandler>();

        // Binding failures reach BadRequestExceptionHandler, which names the invalid field, instead of
        // ending as an empty 400.
        services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddOpenApi(openApi => openApi.AddMetricsOperation());
        builder.AddSendoraOperations();
        services.AddCors(cors => cors.AddPolicy(TrackingApi.CorsPolicy, policy => policy
            .AllowAnyOrigin()
            .AllowAnyHeader()
            .WithMethods("GET", "POST", "OPTIONS")
            .SetPreflightMaxAge(TimeSpan.FromMinutes(15))));
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        return builder;
    }

    public static WebApplication MapSendoraApis(this WebApplication app)
    {
        app.UseExceptionHandler();

        app.UseWhen(
            context => context.Request.Path.StartsWithSegments(AdminApi.BasePath, StringComparison.Ordinal),
            admin => admin
                .Use(AdminAuthorization.CheckBeforeBindingAsync)
                .Use(AdminRequestBody.ExplainUnsupportedMediaTypeAsync));
        app.UseCors();
        app.MapOpenApi();
        app.MapTrackingApi();
        app.MapProfileApi();
        app.MapAdminApi();
        app.MapUnsubscribeApi();
        app.MapDashboardApi();
        app.MapHealthApi();
        app.MapMetricsApi();
        return app;
    }

    private static string? FirstSet(string? first, string? second) =>
        !string.IsNullOrWhiteSpace(first) ? first : !string.IsNullOrWhiteSpace(second) ? second : null;
}
