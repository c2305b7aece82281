using Sendora.Silo.Hosting;

var builder = Host.CreateApplicationBuilder(args);
var options = SiloHostingExtensions.ReadHostOptions(builder.Configuration);
if (options.Storage == StorageKind.AzureStorage)
{
    try
    {
        await StorageProbe.EnsureReachableAsync(options.AzureStorage, CancellationToken.None);
    }
    catch (StorageUnreachableException exception)
    {
        Console.Error.WriteLine(exception.Message);
        return 1;
    }
}

builder.AddSendoraSilo();
await builder.Build().RunAsync();
return 0;
