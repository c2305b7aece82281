using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Logging;

namespace Sendora.Tests.Clients;

/// <summary>
/// Serves the files of one folder over HTTP on 127.0.0.1 with Kestrel, on a port the operating system
/// picks, so a browser page gets an origin of its own.
/// </summary>
public sealed class StaticFileServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly PhysicalFileProvider _files;

    private StaticFileServer(WebApplication app, PhysicalFileProvider files, Uri baseAddress)
    {
        _app = app;
        _files = files;
        BaseAddress = baseAddress;
    }

    /// <summary>The server's base URL, such as <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>Starts serving <paramref name="root"/>, with any file extension allowed.</summary>
    public static async Task<StaticFileServer> StartAsync(string root)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = root });
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();

        var files = new PhysicalFileProvider(root);
        var options = new FileServerOptions { FileProvider = files };
        // Without this, a file whose extension is missing from ASP.NET Core's MIME table returns 404.
        options.StaticFileOptions.ServeUnknownFileTypes = true;
        app.UseFileServer(options);

        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new StaticFileServer(app, files, new Uri(address.TrimEnd('/') + "/"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _files.Dispose();
    }
}
