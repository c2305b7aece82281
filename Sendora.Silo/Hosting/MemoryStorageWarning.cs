using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Sendora.Silo.Hosting;

/// <summary>Warns at start that nothing this silo stores survives the process.</summary>
internal sealed partial class MemoryStorageWarning(ILogger<MemoryStorageWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogMemoryStorage();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Sendora:Storage is Memory: grain state, reminders and streams are lost when this process stops. Use it for tests only.")]
    private partial void LogMemoryStorage();
}
