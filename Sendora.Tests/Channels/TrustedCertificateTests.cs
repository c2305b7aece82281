using System.Net.Security;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Sendora.Grains.Channels;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Channels;

/// <summary>The <c>Email:TrustedCertificateSha256</c> setting: its format, its check at start and its validation.</summary>
public sealed class TrustedCertificateTests
{
    private const string Hex = "C2E223FA6CA0D0351304DEE77D68738A6509C1982ABE60E571AF82E9CB4C01D4";
    private const string OtherHex = "8B5BF2CDF9B310B03C4E53785F83E389CCC95D1F181642C7CD0A22106E8BF17B";

    [Fact]
    public void TryParse_ColonsAndList_Normalizes()
    {
        var bytes = Enumerable.Range(0, 32).Select(i => OtherHex.Substring(i * 2, 2));
        var withColons = string.Join(':', bytes).ToLowerInvariant();
        var value = $" {Hex.ToLowerInvariant()} ; {withColons},";

        var parsed = CertificateFingerprints.TryParse(value, out var fingerprints, out var invalid);

        Assert.True(parsed);
        Assert.Null(invalid);
        Assert.Equal(2, fingerprints.Count);
        Assert.Contains(Hex, fingerprints);
        Assert.Contains(OtherHex, fingerprints);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" ; ")]
    public void TryParse_Empty_ReturnsNoFingerprints(string? value)
    {
        Assert.True(CertificateFingerprints.TryParse(value, out var fingerprints, out _));
        Assert.Empty(fingerprints);
    }

    [Theory]
    [InlineData("C2E223FA")]
    [InlineData(Hex + "00")]
    [InlineData("Z2E223FA6CA0D0351304DEE77D68738A6509C1982ABE60E571AF82E9CB4C01D4")]
    public void TryParse_NotSha256_ReturnsInvalidEntry(string entry)
    {
        Assert.False(CertificateFingerprints.TryParse($"{Hex};{entry}", out _, out var invalid));
        Assert.Equal(entry, invalid);
    }

    [Fact]
    public void Validator_InvalidFingerprint_NamesKeyAndFormat()
    {
        var options = new ChannelOptions { Email = { TrustedCertificateSha256 = "sha1:0123" } };

        var result = new ChannelOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith("Sendora:Channels:Email:TrustedCertificateSha256 must list SHA-256 fingerprints of 64 hex digits", failure);
        Assert.EndsWith("not 'sha1:0123'.", failure);
    }

    [Fact]
    public async Task Server_InvalidFingerprint_FailsAtStart()
    {
        var settings = new Dictionary<string, string?> { [SmtpCertificateValidator.TrustedCertificateKey] = "sha1:0123" };

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => SendoraServer.StartAsync(settings));

        Assert.Contains("Sendora:Channels:Email:TrustedCertificateSha256 must list SHA-256 fingerprints", exception.Message);
    }

    [Fact]
    public void Validator_FingerprintList_Succeeds()
    {
        var options = new ChannelOptions { Email = { TrustedCertificateSha256 = $"{Hex};{OtherHex}" } };

        Assert.True(new ChannelOptionsValidator().Validate(null, options).Succeeded);
    }

    [Fact]
    public async Task EmailSender_InvalidFingerprint_FailsNamingKey()
    {
        var options = Options.Create(new ChannelOptions
        {
            Email = { Host = "127.0.0.1", From = "news@sendora.test", TrustedCertificateSha256 = "not-a-fingerprint" },
        });

        var outcome = await new EmailSender(options).SendAsync(
            new RenderedEmail("a@example.test", "Subject", null, "Text"), null, CancellationToken.None);

        Assert.Equal(DeliveryStatuses.Failed, outcome.Status);
        Assert.Contains("Sendora:Channels:Email:TrustedCertificateSha256", outcome.Reason);
        Assert.Contains("'not-a-fingerprint'", outcome.Reason);
    }

    [Fact]
    public void CertificateValidator_Pinned_IgnoresNameAndChain()
    {
        using var certificate = TlsSmtpServer.CreateCertificate();
        var pinned = new HashSet<string> { certificate.GetCertHashString(HashAlgorithmName.SHA256) };
        var validator = new SmtpCertificateValidator(pinned, "relay.internal:587");

        var valid = validator.Validate(this, certificate, chain: null,
            SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateChainErrors);

        Assert.True(valid);
        Assert.Null(validator.Rejection);
    }

    [Fact]
    public void CertificateValidator_NameMismatch_RejectsNamingHost()
    {
        using var certificate = TlsSmtpServer.CreateCertificate();
        var validator = new SmtpCertificateValidator(new HashSet<string> { OtherHex }, "relay.internal:587");

        var valid = validator.Validate(this, certificate, chain: null, SslPolicyErrors.RemoteCertificateNameMismatch);

        Assert.False(valid);
        Assert.Contains("its names do not include the host of relay.internal:587", validator.Rejection);
        Assert.Contains(certificate.GetCertHashString(HashAlgorithmName.SHA256), validator.Rejection);
    }

    [Fact]
    public void CertificateValidator_NoErrors_PassesWithoutPin()
    {
        using var certificate = TlsSmtpServer.CreateCertificate();
        var validator = new SmtpCertificateValidator(new HashSet<string>(), "relay.internal:587");

        Assert.True(validator.Validate(this, certificate, chain: null, SslPolicyErrors.None));
    }
}
