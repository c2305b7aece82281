namespace Sendora.Grains.Channels;

/// <summary>How an SMTP connection is secured.</summary>
public enum SmtpSecurity
{
    /// <summary>Plain text, for a relay on the same host or network.</summary>
    None,

    /// <summary>Plain connection upgraded by STARTTLS, which the server must offer (port 587).</summary>
    StartTls,

    /// <summary>TLS from the first byte (port 465).</summary>
    SslOnConnect,
}
