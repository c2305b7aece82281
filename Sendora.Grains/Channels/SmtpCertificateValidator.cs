using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Sendora.Grains.Channels;

/// <summary>
/// Validates the certificate of one SMTP connection. A certificate passes when the system validates its chain and its
/// name, or when its SHA-256 is one of <paramref name="trustedSha256"/>, whatever its chain, name or dates. A rejected
/// certificate leaves <see cref="Rejection"/> set, because MailKit reports only that the TLS handshake failed.
/// </summary>
/// <param name="trustedSha256">Fingerprints as <see cref="CertificateFingerprints.TryParse"/> returns them.</param>
/// <param name="server">The <c>host:port</c> that the reason names.</param>
public sealed class SmtpCertificateValidator(IReadOnlySet<string> trustedSha256, string server)
{
    /// <summary>The configuration key of the trusted fingerprints.</summary>
    public const string TrustedCertificateKey = $"{ChannelOptions.SectionName}:Email:TrustedCertificateSha256";

    /// <summary>The reason the last certificate was rejected, naming the certificate, or null when none was.</summary>
    public string? Rejection { get; private set; }

    /// <summary>Validates a server certificate, as a <see cref="RemoteCertificateValidationCallback"/>.</summary>
    public bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
        {
            return true;
        }

        if (certificate is null)
        {
            Rejection = $"The SMTP server {server} sent no TLS certificate.";
            return false;
        }

        var sha256 = certificate.GetCertHashString(HashAlgorithmName.SHA256);
        if (trustedSha256.Contains(sha256))
        {
            return true;
        }

        Rejection = $"The TLS certificate of the SMTP server {server} is not trusted: {Describe(errors, chain)}. "
                    + $"Certificate {certificate.Subject}, issued by {certificate.Issuer}, SHA-256 {sha256}. "
                    + "To trust this certificate, compare its SHA-256 with the one on the server and add it to "
                    + $"{TrustedCertificateKey}.";
        return false;
    }

    private string Describe(SslPolicyErrors errors, X509Chain? chain)
    {
        var problems = new List<string>();
        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch))
        {
            problems.Add($"its names do not include the host of {server}");
        }

        if (errors.HasFlag(SslPolicyErrors.RemoteCertificateChainErrors))
        {
            var statuses = (chain?.ChainStatus ?? [])
                .Select(s => s.Status)
                .Where(s => s != X509ChainStatusFlags.NoError)
                .Distinct()
                .ToList();
            problems.Add(statuses.Count == 0
                ? "its chain does not validate"
                : $"its chain does not validate ({string.Join(", ", statuses)})");
        }

        return problems.Count == 0 ? errors.ToString() : string.Join(" and ", problems);
    }
}
