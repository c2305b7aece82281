using Sendora.Silo.Hosting;

// appsettings.json sits beside the assembly, whatever folder the process was started from.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
{
    Args = args,
    ContentRootPath = AppContext.BaseDirectory,
});
var options = SiloHostingExtensions.ReadHostOptions(builder.Configuration);
try
{
    await StorageProbe.EnsureReachableAsync(options, CancellationToken.None);
}
catch (StorageUnreachableException exception)
{
    Console.Error.WriteLine(exception.Message);
    return 1;
}

builder.AddSendoraSilo();
builder.AddSiloMetricsEndpoint();
await builder.Build().RunAsync();
return 0;
