using Sendora.Silo.Hosting;

return await HostStartup.RunAsync(async () =>
{
    // appsettings.json sits beside the assembly, whatever folder the process was started from.
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
    {
        Args = args,
        ContentRootPath = AppContext.BaseDirectory,
    });
    var options = SiloHostingExtensions.ReadHostOptions(builder.Configuration);
    await StorageProbe.EnsureReachableAsync(options, CancellationToken.None);
    builder.AddSendoraSilo();
    builder.AddSiloMetricsEndpoint();
    return builder.Build();
}, Console.Error);
