using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Sendora.Gateway.Hosting;

/// <summary>Checks the admin tokens at start, naming the setting to fix.</summary>
public sealed partial class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    /// <summary>The actor name of <see cref="GatewayOptions.AdminToken"/>, which no named token may take.</summary>
    public const string DefaultActor = "admin";

    /// <summary>The minimum length of every admin token, in characters.</summary>
    public const int MinTokenLength = 16;

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.AdminToken.Length < MinTokenLength)
        {
            failures.Add($"The admin token is missing or shorter than {MinTokenLength} characters: "
                + "set SENDORA_ADMIN_TOKEN (./run.sh generates one).");
        }

        var owners = new Dictionary<string, string>(StringComparer.Ordinal) { [options.AdminToken] = DefaultActor };
        foreach (var (actor, token) in options.AdminTokens.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            var key = $"{GatewayOptions.SectionName}:AdminTokens:{actor}";
            if (!IsActorName(actor))
            {
                failures.Add($"{key}: the name must be 1 to 32 characters of lower-case letters, digits, '_', '-' and '.', "
                    + "starting with a letter.");
            }
            else if (actor == DefaultActor)
            {
                failures.Add(
                    $"{key}: the name '{DefaultActor}' belongs to {GatewayOptions.SectionName}:AdminToken; choose another name.");
            }

            if (token is null || token.Length < MinTokenLength)
            {
                failures.Add($"{key}: the token is missing or shorter than {MinTokenLength} characters.");
            }
            else if (!owners.TryAdd(token, actor))
            {
                failures.Add(
                    $"{key}: the token is the same as the token of '{owners[token]}'; every actor needs its own token.");
            }
        }

        if (options.FailedTokenLimit < 1)
        {
            failures.Add($"{GatewayOptions.SectionName}:FailedTokenLimit is {options.FailedTokenLimit}; it must be at least 1.");
        }

        if (options.FailedTokenWindow <= TimeSpan.Zero)
        {
            failures.Add($"{GatewayOptions.SectionName}:FailedTokenWindow is {options.FailedTokenWindow}; it must be longer than zero.");
        }

        if (options.IdOwnerCacheSize < 0)
        {
            failures.Add($"{GatewayOptions.SectionName}:IdOwnerCacheSize is {options.IdOwnerCacheSize}; it must be 0 or more.");
        }

        if (options.IdOwnerCacheDuration < TimeSpan.Zero)
        {
            failures.Add($"{GatewayOptions.SectionName}:IdOwnerCacheDuration is {options.IdOwnerCacheDuration}; it must not be negative.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Returns true when <paramref name="value"/> has the form of an actor name.</summary>
    public static bool IsActorName(string value) => ActorNamePattern().IsMatch(value);

    // \z, not $, because $ also matches before a final newline.
    [GeneratedRegex(@"^[a-z][a-z0-9_.-]{0,31}\z")]
    private static partial Regex ActorNamePattern();
}
