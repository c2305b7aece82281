using Sendora.Gateway.Hosting;
using Sendora.Silo.Hosting;

return await HostStartup.RunAsync(async () => await GatewayApplication.BuildAsync(args), Console.Error);
