using Sendora.Silo.Hosting;

namespace Sendora.Gateway.Hosting;

/// <summary>Builds the gateway application; the entry point and in-process tests share it.</summary>
public static class GatewayApplication
{
    /// <summary>
    /// Checks that storage is reachable, then builds the gateway. <paramref name="configure"/> may add
    /// configuration or services before the build. Throws <see cref="StorageUnreachableException"/>
    /// when Redis or Azure Storage is unreachable.
    /// </summary>
    public static async Task<WebApplication> BuildAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // appsettings.json sits beside the assembly, whatever folder the process was started from.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder);
        var host = SiloHostingExtensions.ReadHostOptions(builder.Configuration);
        await StorageProbe.EnsureReachableAsync(host, CancellationToken.None);

        builder.AddSendoraCluster();
        builder.AddSendoraGateway();
        var app = builder.Build();
        app.MapSendoraApis();
        return app;
    }
}
