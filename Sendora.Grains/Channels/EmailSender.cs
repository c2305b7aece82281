using System.Net.Sockets;
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

    /// <summary>Returns the configuration key that is missing for email to work, or null.</summary>
    public string? MissingSetting() =>
        string.IsNullOrWhiteSpace(Settings.Host) ? $"{ChannelOptions.SectionName}:Email:Host"
        : string.IsNullOrWhiteSpace(Settings.From) ? $"{ChannelOptions.SectionName}:Email:From"
        : null;

    /// <summary>
    /// Builds the message with HTML and text parts and, when <paramref name="unsubscribeUrl"/> is set, the RFC 8058
    /// <c>List-Unsubscribe</c> headers, then sends it. A 5xx reply to the recipient or the message marks the
    /// address undeliverable; a 4xx reply or a failed connection is temporary.
    /// </summary>
    public async Task<SendOutcome> SendAsync(RenderedEmail email, Uri? unsubscribeUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(email);
        if (MissingSetting() is { } missing)
        {
            return SendOutcome.Failed($"Email is not configured: set {missing}.");
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

        using var client = new SmtpClient { Timeout = (int)Settings.Timeout.TotalMilliseconds };
        try
        {
            await client.ConnectAsync(Settings.Host!, Settings.Port, ToSocketOptions(Settings.Security), cancellationToken);
            if (!string.IsNullOrEmpty(Settings.UserName))
            {
                await client.AuthenticateAsync(Settings.UserName, Settings.Password ?? string.Empty, cancellationToken);
            }

            await client.SendAsync(message, cancellationToken);
            await client.DisconnectAsync(quit: true, cancellationToken);
            return SendOutcome.Sent(message.MessageId);
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
            return SendOutcome.Failed($"SMTP authentication failed: {exception.Message}");
        }
        catch (Exception exception) when (exception is IOException or SocketException or SmtpProtocolException
                                              or ServiceNotConnectedException or TimeoutException
                                              or SslHandshakeException
                                              || exception is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // NOTE: a connection lost after the message data was sent may hide an accepted message, so the retry can duplicate it.
            return SendOutcome.Temporary($"Could not reach the SMTP server {Settings.Host}:{Settings.Port}: {exception.Message}");
        }
    }

    private MimeMessage Build(RenderedEmail email, Uri? unsubscribeUrl)
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(Settings.From!));
        message.To.Add(MailboxAddress.Parse(email.To));
        message.Subject = email.Subject;
        var body = new BodyBuilder { HtmlBody = email.HtmlBody, TextBody = email.TextBody };
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
