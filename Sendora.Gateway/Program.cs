using Sendora.Gateway.Hosting;
using Sendora.Silo.Hosting;

WebApplication app;
try
{
    app = await GatewayApplication.BuildAsync(args);
}
catch (StorageUnreachableException exception)
{
    Console.Error.WriteLine(exception.Message);
    return 1;
}

await app.RunAsync();
return 0;
