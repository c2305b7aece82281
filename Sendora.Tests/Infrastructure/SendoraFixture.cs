namespace Sendora.Tests.Infrastructure;

/// <summary>One <see cref="SendoraServer"/> shared by the test classes of <see cref="SendoraCollection"/>.</summary>
public sealed class SendoraFixture : IAsyncLifetime
{
    private SendoraServer? _server;

    public SendoraServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public async Task InitializeAsync() => _server = await SendoraServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SendoraCollection : ICollectionFixture<SendoraFixture>
{
    public const string Name = "sendora";
}
