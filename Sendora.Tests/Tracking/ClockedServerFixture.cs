using Microsoft.Extensions.DependencyInjection;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Tracking;

/// <summary>
/// A server of its own whose gateway clock the tests set, so that <c>receivedAt</c> and every
/// timestamp derived from it can be asserted exactly.
/// </summary>
public sealed class ClockedServerFixture : IAsyncLifetime
{
    private SendoraServer? _server;

    public SettableClock Clock { get; } = new(DateTimeOffset.Parse("2026-12-04T10:15:00.123Z"));

    public SendoraServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public async Task InitializeAsync() =>
        _server = await SendoraServer.StartAsync(services: s => s.AddSingleton<TimeProvider>(Clock));

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
