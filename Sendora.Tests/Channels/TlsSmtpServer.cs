using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MimeKit;
using SmtpServer;
using SmtpServer.Authentication;
using SmtpServer.Protocol;
using SmtpServer.Storage;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Channels;

/// <summary>
/// An SMTP server on 127.0.0.1 with TLS and login. With a certificate it offers STARTTLS, or speaks TLS from the first
/// byte when <c>implicitTls</c> is set; without one it offers neither. With a user name it offers AUTH only over TLS
/// and accepts mail only after that login. It keeps every accepted message with the session's user and TLS state.
/// </summary>
public sealed class TlsSmtpServer : MessageStore, IUserAuthenticator, IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<Received> _messages = new();
    private readonly string? _userName;
    private readonly string? _password;
    private Task _running = Task.CompletedTask;

    private TlsSmtpServer(string? userName, string? password)
    {
        _userName = userName;
        _password = password;
    }

    public int Port { get; } = Ports.GetFree();

    public IReadOnlyCollection<Received> Messages => _messages;

    public static TlsSmtpServer Start(
        X509Certificate2? certificate, bool implicitTls = false, string? userName = null, string? password = null)
    {
        var server = new TlsSmtpServer(userName, password);
        var options = new SmtpServerOptionsBuilder()
            .ServerName("localhost")
            .Endpoint(endpoint =>
            {
                endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, server.Port))
                    .IsSecure(implicitTls)
                    .AuthenticationRequired(userName is not null);
                if (certificate is not null)
                {
                    endpoint.Certificate(certificate);
                }
            })
            .Build();
        var services = new SmtpServer.ComponentModel.ServiceProvider();
        services.Add((IMessageStore)server);
        services.Add((IUserAuthenticator)server);
        server._running = new SmtpServer.SmtpServer(options, services).StartAsync(server._stop.Token);
        return server;
    }

    /// <summary>Creates a self-signed certificate for <c>localhost</c> and 127.0.0.1, valid from yesterday to tomorrow.</summary>
    public static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var serverAuthentication = new Oid("1.3.6.1.5.5.7.3.1");
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([serverAuthentication], critical: false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(
            X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, critical: true));
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(1));

        // SslStream on Windows cannot serve with the ephemeral key of CreateSelfSigned, so the key goes via PKCS#12.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), password: null);
    }

    public Task<bool> AuthenticateAsync(
        ISessionContext context, string user, string password, CancellationToken cancellationToken) =>
        Task.FromResult(_userName is not null && user == _userName && password == _password);

    public override Task<SmtpResponse> SaveAsync(
        ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream(buffer.ToArray());
        var message = MimeMessage.Load(stream, cancellationToken);
        _messages.Enqueue(new Received(message, context.Authentication.User, context.Pipe.IsSecure));
        return Task.FromResult(SmtpResponse.Ok);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAny(_running, Task.Delay(TimeSpan.FromSeconds(5)));
        _stop.Dispose();
    }

    /// <summary>An accepted message, the user that logged in (null without login) and whether TLS was on.</summary>
    public sealed record Received(MimeMessage Message, string? User, bool OverTls);
}
