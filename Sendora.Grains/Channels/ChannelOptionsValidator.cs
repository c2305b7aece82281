using Microsoft.Extensions.Options;

namespace Sendora.Grains.Channels;

/// <summary>
/// Checks the nested channel settings that data annotations on <see cref="ChannelOptions"/> do not reach, and names
/// the key of each invalid value.
/// </summary>
public sealed class ChannelOptionsValidator : IValidateOptions<ChannelOptions>
{
    private const string Section = ChannelOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, ChannelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var email = options.Email;
        Require(failures, email.Port is >= 1 and <= 65535, $"{Section}:Email:Port must be from 1 to 65535, not {email.Port}.");
        Require(failures, email.MaxAttempts is >= 1 and <= 20, $"{Section}:Email:MaxAttempts must be from 1 to 20, not {email.MaxAttempts}.");
        RequirePositive(failures, email.RetryDelay, "Email:RetryDelay");
        RequirePositive(failures, email.Timeout, "Email:Timeout");
        var fingerprintsValid = CertificateFingerprints.TryParse(
            email.TrustedCertificateSha256, out _, out var invalidFingerprint);
        Require(failures, fingerprintsValid,
            $"{SmtpCertificateValidator.TrustedCertificateKey} must list SHA-256 fingerprints of 64 hex digits "
            + $"(colons between bytes allowed) separated by semicolons or commas, not '{invalidFingerprint}'.");
        RequirePositive(failures, options.Webhook.InitialRetryDelay, "Webhook:InitialRetryDelay");
        RequirePositive(failures, options.Webhook.MaxRetryDelay, "Webhook:MaxRetryDelay");
        RequirePositive(failures, options.Webhook.Timeout, "Webhook:Timeout");
        RequirePositive(failures, options.Push.Timeout, "Push:Timeout");
        Require(failures, Uri.TryCreate(options.Push.BaseUrl, UriKind.Absolute, out _),
            $"{Section}:Push:BaseUrl must be an absolute URL, not '{options.Push.BaseUrl}'.");
        ValidateRules(failures, options.Rules, "Rules");
        foreach (var (workspaceId, rules) in options.Workspaces)
        {
            ValidateRules(failures, rules, $"Workspaces:{workspaceId}");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateRules(List<string> failures, ChannelRules rules, string path)
    {
        if (rules.QuietHours is { } quiet)
        {
            Require(failures, quiet.StartHour is >= 0 and <= 23, $"{Section}:{path}:QuietHours:StartHour must be from 0 to 23.");
            Require(failures, quiet.EndHour is >= 0 and <= 23, $"{Section}:{path}:QuietHours:EndHour must be from 0 to 23.");
        }

        foreach (var (channel, cap) in rules.FrequencyCaps)
        {
            Require(failures, DeliveryChannels.IsKnown(channel),
                $"{Section}:{path}:FrequencyCaps has the unknown channel '{channel}'; use email, push or webhook.");
            Require(failures, cap.Limit >= 0, $"{Section}:{path}:FrequencyCaps:{channel}:Limit must be zero or more.");
            RequirePositive(failures, cap.Window, $"{path}:FrequencyCaps:{channel}:Window");
        }
    }

    private static void RequirePositive(List<string> failures, TimeSpan value, string key) =>
        Require(failures, value > TimeSpan.Zero, $"{Section}:{key} must be longer than zero, not {value}.");

    private static void Require(List<string> failures, bool condition, string failure)
    {
        if (!condition)
        {
            failures.Add(failure);
        }
    }
}
