using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Sendora.Grains.Channels;

/// <summary>Sends one rendered email over SMTP with MailKit, one connection per message.</summary>
public sealed class EmailSender(IOptions<ChannelOptions> options)
{
    private EmailChannelOptions Settings => options.Value.Email;

    private string Server => $"{Settings.Host}:{Settings.Port}";

    /// <summary>Returns the configuration key that is missing for email to work, or null.</summary>
    public string? MissingSetting() =>
        string.IsNullOrWhiteSpace(Settings.Host) ? $"{ChannelOptions.SectionName}:Email:Host"
        : string.IsNullOrWhiteSpace(Settings.From) ? $"{ChannelOptions.SectionName}:Email:From"
        : null;

    /// <summary>
    /// Builds the message with HTML and text parts and, when <paramref name="unsubscribeUrl"/> is set, the RFC 8058
    /// <c>List-Unsubscribe</c> headers, then sends it. A 5xx reply to the recipient or the message marks the
    /// address undeliverable. A 4xx reply, a failed connection or a connection lost during the TLS handshake is
    /// temporary. A rejected certificate, another TLS handshake failure, a missing STARTTLS or AUTH extension and a
    /// 5xx reply to the login fail at once, because they come from settings that the next attempt meets unchanged.
    /// </summary>
    public async Task<SendOutcome> SendAsync(RenderedEmail email, Uri? unsubscribeUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(email);
        if (MissingSetting() is { } missing)
        {
            return SendOutcome.Failed($"Email is not configured: set {missing}.");
        }

        if (!CertificateFingerprints.TryParse(Settings.TrustedCertificateSha256, out var trusted, out var invalid))
        {
            return SendOutcome.Failed(
                $"{SmtpCertificateValidator.TrustedCertificateKey} has the invalid fingerprint '{invalid}'.");
        }

        MimeMessage message;
        try
        {
            message = Build(email, unsubscribeUrl);
        }
        catch (ParseException exception)
        {
            return SendOutcome.Failed($"Invalid email address: {exception.Message}");
        }

        var certificates = new SmtpCertificateValidator(trusted, Server);
        using var client = new SmtpClient
        {
            Timeout = (int)Settings.Timeout.TotalMilliseconds,
            ServerCertificateValidationCallback = certificates.Validate,
        };
        try
        {
            return await ExchangeAsync(client, message, cancellationToken);
        }
        catch (SmtpCommandException exception)
        {
            var code = (int)exception.StatusCode;
            var reason = $"The SMTP server replied {code}: {exception.Message.Trim()}";
            if (code < 500)
            {
                return SendOutcome.Temporary(reason);
            }

            return exception.ErrorCode is SmtpErrorCode.RecipientNotAccepted or SmtpErrorCode.MessageNotAccepted
                ? SendOutcome.Failed(reason) with { UndeliverableAddress = email.To }
                : SendOutcome.Failed(reason);
        }
        catch (AuthenticationException exception)
        {
            // MailKit wraps the reply to AUTH, and a 4xx reply such as 454 is the server's own temporary failure.
            var reason = $"SMTP authentication failed: {exception.Message}";
            return exception.InnerException is SmtpCommandException reply && (int)reply.StatusCode < 500
                ? SendOutcome.Temporary(reason)
                : SendOutcome.Failed(reason);
        }
        catch (SslHandshakeException) when (certificates.Rejection is { } rejection)
        {
            return SendOutcome.Failed(rejection);
        }
        catch (SslHandshakeException exception) when (exception.InnerException is not (IOException or SocketException))
        {
            var cause = exception.InnerException?.Message ?? exception.Message;
            return SendOutcome.Failed(
                $"The TLS handshake with the SMTP server {Server} failed ({cause}). "
                + $"Check that {ChannelOptions.SectionName}:Email:Security ({Settings.Security}) matches the port.");
        }
        catch (Exception exception) when (exception is IOException or SocketException or SmtpProtocolException
                                              or ServiceNotConnectedException or TimeoutException
                                              or SslHandshakeException
                                              || exception is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // NOTE: a connection lost after the message data was sent may hide an accepted message, so the retry can send a
            // second copy. Both carry the same Message-ID, by which receivers can drop the repeat.
            return SendOutcome.Temporary($"Could not reach the SMTP server {Server}: {exception.Message}");
        }
    }

    /// <summary>Connects, logs in when a user name is set, sends and disconnects.</summary>
    private async Task<SendOutcome> ExchangeAsync(SmtpClient client, MimeMessage message, CancellationToken cancellationToken)
    {
        var socketOptions = ToSocketOptions(Settings.Security);
        try
        {
            await client.ConnectAsync(Settings.Host!, Settings.Port, socketOptions, cancellationToken);
        }
        catch (NotSupportedException)
        {
            // MailKit raises this from ConnectAsync only when StartTls is requested and the EHLO reply lacks STARTTLS.
            return SendOutcome.Failed(
                $"The SMTP server {Server} does not offer STARTTLS, so the message was not sent: "
                + $"{ChannelOptions.SectionName}:Email:Security is StartTls, which never falls back to plain text.");
        }

        if (!string.IsNullOrEmpty(Settings.UserName))
        {
            if (!client.Capabilities.HasFlag(SmtpCapabilities.Authentication))
            {
                return SendOutcome.Failed(
                    $"The SMTP server {Server} does not offer AUTH, so {ChannelOptions.SectionName}:Email:UserName "
                    + "cannot log in. Many servers offer it only over TLS: check "
                    + $"{ChannelOptions.SectionName}:Email:Security ({Settings.Security}).");
            }

            await client.AuthenticateAsync(Settings.UserName, Settings.Password ?? string.Empty, cancellationToken);
        }

        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
        return SendOutcome.Sent(message.MessageId);
    }

    private MimeMessage Build(RenderedEmail email, Uri? unsubscribeUrl)
    {
        var message = new MimeMessage();
        var from = MailboxAddress.Parse(Settings.From!);
        message.From.Add(from);
        if (email.DeliveryKey is { } key)
        {
            // A delivery key may hold characters that a Message-ID cannot, so the ID is a digest of it at the
            // sender's domain.
            var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)).AsSpan(0, 16));
            message.MessageId = $"{digest}@{from.Domain}";
        }

        message.To.Add(MailboxAddress.Parse(email.To));
        message.Subject = email.Subject;
        // A carriage return without a line feed, which a trait can carry into a body, passes through MimeKit as it
        // is. Some servers end the message data at "\r.\r\n", so every line break becomes one that MimeKit writes as CRLF.
        var body = new BodyBuilder { HtmlBody = email.HtmlBody?.ReplaceLineEndings("\n"), TextBody = email.TextBody?.ReplaceLineEndings("\n") };
        message.Body = body.ToMessageBody();
        if (unsubscribeUrl is not null)
        {
            var targets = $"<{unsubscribeUrl.AbsoluteUri}>";
            if (!string.IsNullOrWhiteSpace(Settings.UnsubscribeMailto))
            {
                targets += $", <mailto:{Settings.UnsubscribeMailto}>";
            }

            message.Headers.Add("List-Unsubscribe", targets);
            message.Headers.Add("List-Unsubscribe-Post", "List-Unsubscribe=One-Click");
        }

        return message;
    }

    private static SecureSocketOptions ToSocketOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => throw new ArgumentOutOfRangeException(nameof(security), security, "Unknown SMTP security mode."),
    };
}
