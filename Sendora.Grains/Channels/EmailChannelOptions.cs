using System.ComponentModel.DataAnnotations;

namespace Sendora.Grains.Channels;

/// <summary>SMTP settings of the email channel, bound from <c>Sendora:Channels:Email</c>.</summary>
public sealed class EmailChannelOptions
{
    /// <summary>The SMTP server's host name. Default empty: email deliveries fail naming this key.</summary>
    public string? Host { get; set; }

    /// <summary>The SMTP port. Default 587.</summary>
    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary>How the connection is secured. Default <see cref="SmtpSecurity.StartTls"/>.</summary>
    public SmtpSecurity Security { get; set; } = SmtpSecurity.StartTls;

    /// <summary>
    /// SHA-256 fingerprints of SMTP server certificates to trust in addition to those the system validates, for a
    /// relay with a self-signed or internal certificate: 64 hex digits each, colons between bytes allowed, several
    /// separated by semicolons or commas. A listed certificate passes whatever its chain, name or dates. Default empty:
    /// only certificates the system validates.
    /// </summary>
    public string? TrustedCertificateSha256 { get; set; }

    /// <summary>The SMTP user name; no authentication when empty. Default empty.</summary>
    public string? UserName { get; set; }

    public string? Password { get; set; }

    /// <summary>The From address, such as <c>Acme &lt;news@acme.example&gt;</c>. Default empty: deliveries fail naming this key.</summary>
    public string? From { get; set; }

    /// <summary>A mailto address added to <c>List-Unsubscribe</c> next to the link. Default empty: link only.</summary>
    public string? UnsubscribeMailto { get; set; }

    /// <summary>How many times a temporary SMTP failure (4xx or no connection) is tried in all. Default 4.</summary>
    [Range(1, 20)]
    public int MaxAttempts { get; set; } = 4;

    /// <summary>The wait before the second attempt, doubled for each further one. Default 1 minute.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The timeout of one SMTP conversation. Default 30 seconds.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}
