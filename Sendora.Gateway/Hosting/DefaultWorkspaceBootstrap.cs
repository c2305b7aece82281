using Microsoft.Extensions.Options;
using Sendora.Grains.Admin;

namespace Sendora.Gateway.Hosting;

/// <summary>
/// Makes sure at start that the workspace <c>default</c> exists with a source whose write key is
/// <see cref="GatewayOptions.DefaultWriteKey"/>, so that a fresh install accepts events at once.
/// </summary>
public sealed partial class DefaultWorkspaceBootstrap(
    IGrainFactory grains, IOptions<GatewayOptions> options, ILogger<DefaultWorkspaceBootstrap> logger) : IHostedService
{
    public const string WorkspaceId = "default";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var workspace = await grains.GetGrain<IWorkspaceGrain>(WorkspaceId)
            .EnsureDefaultAsync("Default workspace", options.Value.DefaultWriteKey);
        LogReady(WorkspaceId, workspace.Sources.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {WorkspaceId} is ready with {SourceCount} sources")]
    private partial void LogReady(string workspaceId, int sourceCount);
}
