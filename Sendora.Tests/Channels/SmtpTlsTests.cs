using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using Sendora.Grains;
using Sendora.Grains.Channels;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Channels;

/// <summary>
/// Email over TLS with login, against a real SMTP server on 127.0.0.1 with a self-signed certificate. Each test starts
/// its own SMTP server and Sendora, because the email settings apply to a whole Sendora server.
/// </summary>
public sealed class SmtpTlsTests : IDisposable
{
    private const string UserName = "relay-user";
    private const string Password = "relay-password-0123";

    private readonly X509Certificate2 _certificate = TlsSmtpServer.CreateCertificate();

    private string Fingerprint => _certificate.GetCertHashString(HashAlgorithmName.SHA256);

    [Fact]
    public async Task StartTls_WithLogin_SendsAsAuthenticatedUser()
    {
        await using var smtp = TlsSmtpServer.Start(_certificate, userName: UserName, password: Password);
        await using var server = await StartSendoraAsync(smtp, SmtpSecurity.StartTls, Fingerprint, UserName, Password);

        var (record, address) = await SendAsync(server);

        Assert.Equal(DeliveryStatuses.Sent, record.Status);
        var received = Assert.Single(smtp.Messages);
        Assert.Equal(address, received.Message.To.Mailboxes.Single().Address);
        Assert.Equal(UserName, received.User);
        Assert.True(received.OverTls);
        Assert.Equal(record.ProviderMessageId, received.Message.MessageId);
    }

    [Fact]
    public async Task SslOnConnect_WithLogin_Sends()
    {
        await using var smtp = TlsSmtpServer.Start(_certificate, implicitTls: true, UserName, Password);
        await using var server = await StartSendoraAsync(smtp, SmtpSecurity.SslOnConnect, Fingerprint, UserName, Password);

        var (record, _) = await SendAsync(server);

        Assert.Equal(DeliveryStatuses.Sent, record.Status);
        var received = Assert.Single(smtp.Messages);
        Assert.Equal(UserName, received.User);
        Assert.True(received.OverTls);
    }

    [Fact]
    public async Task Login_WrongPassword_FailsWithoutRetry()
    {
        await using var smtp = TlsSmtpServer.Start(_certificate, userName: UserName, password: Password);
        await using var server = await StartSendoraAsync(smtp, SmtpSecurity.StartTls, Fingerprint, UserName, "wrong-password");

        var (record, _) = await SendAsync(server);

        Assert.Equal(DeliveryStatuses.Failed, record.Status);
        Assert.StartsWith("SMTP authentication failed", record.Reason);
        Assert.Contains("535", record.Reason);
        Assert.Equal(1, record.Attempts);
        Assert.Null(record.NextAttemptAt);
        Assert.Empty(smtp.Messages);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Certificate_Untrusted_FailsNamingCertificate(bool pinAnotherCertificate)
    {
        var otherFingerprint = pinAnotherCertificate ? new string('0', 64) : null;
        await using var smtp = TlsSmtpServer.Start(_certificate, userName: UserName, password: Password);
        await using var server = await StartSendoraAsync(smtp, SmtpSecurity.StartTls, otherFingerprint, UserName, Password);

        var (record, _) = await SendAsync(server);

        Assert.Equal(DeliveryStatuses.Failed, record.Status);
        Assert.Contains("certificate", record.Reason);
        Assert.Contains("is not trusted", record.Reason);
        Assert.Contains("CN=localhost", record.Reason);
        Assert.Contains(Fingerprint, record.Reason);
        Assert.Contains("UntrustedRoot", record.Reason);
        Assert.Contains(SmtpCertificateValidator.TrustedCertificateKey, record.Reason);
        Assert.Equal(1, record.Attempts);
        Assert.Empty(smtp.Messages);
    }

    [Fact]
    public async Task StartTls_NotOffered_FailsWithoutPlainText()
    {
        await using var smtp = TlsSmtpServer.Start(certificate: null);
        await using var server = await StartSendoraAsync(
            smtp, SmtpSecurity.StartTls, trustedFingerprint: null, userName: null, password: null);

        var (record, _) = await SendAsync(server);

        Assert.Equal(DeliveryStatuses.Failed, record.Status);
        Assert.Contains("does not offer STARTTLS", record.Reason);
        Assert.Contains("never falls back to plain text", record.Reason);
        Assert.Equal(1, record.Attempts);
        Assert.Empty(smtp.Messages);
    }

    public void Dispose() => _certificate.Dispose();

    private static Task<SendoraServer> StartSendoraAsync(
        TlsSmtpServer smtp, SmtpSecurity security, string? trustedFingerprint, string? userName, string? password) =>
        SendoraServer.StartAsync(new Dictionary<string, string?>
        {
            ["Sendora:Channels:UnsubscribeSigningKey"] = ChannelsFixture.SigningKey,
            ["Sendora:Channels:Email:Host"] = "127.0.0.1",
            ["Sendora:Channels:Email:Port"] = smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["Sendora:Channels:Email:Security"] = security.ToString(),
            ["Sendora:Channels:Email:TrustedCertificateSha256"] = trustedFingerprint,
            ["Sendora:Channels:Email:UserName"] = userName,
            ["Sendora:Channels:Email:Password"] = password,
            ["Sendora:Channels:Email:From"] = "Sendora Tests <news@sendora.test>",
            ["Sendora:Channels:Email:RetryDelay"] = "00:00:00.200",
            ["Sendora:Channels:Email:MaxAttempts"] = "3",
            ["Sendora:Channels:Email:Timeout"] = "00:00:10",
        });

    /// <summary>Sends a transactional email through a delivery grain and returns the record after one attempt.</summary>
    private static async Task<(DeliveryRecord Record, string Address)> SendAsync(SendoraServer server)
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        var request = Requests.Email(profileId, address, transactional: true);
        var delivery = server.Services.GetRequiredService<IGrainFactory>()
            .GetGrain<IDeliveryGrain>(GrainKeys.Scoped("default", request.DeliveryId));
        return (await delivery.SendAsync(request), address);
    }
}
