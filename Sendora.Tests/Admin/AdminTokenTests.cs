using Microsoft.Extensions.Options;
using Sendora.Gateway.Admin;
using Sendora.Gateway.Hosting;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Admin;

/// <summary>Named admin tokens: the checks at start and the lookup of a request's actor.</summary>
public sealed class AdminTokenTests
{
    private const string DefaultToken = "default-token-0123456789";

    [Fact]
    public void Validate_NamedTokens_Succeeds()
    {
        var result = Validate(("alice", "alice-token-0123456789"), ("ci.deploy-2", "deploy-token-0123456789"));

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("Alice", "alice-token-0123456789", "the name must be")]
    [InlineData("2fa", "alice-token-0123456789", "the name must be")]
    [InlineData("a-name-that-is-far-longer-than-32-chars", "alice-token-0123456789", "the name must be")]
    [InlineData("admin", "alice-token-0123456789", "belongs to Sendora:Gateway:AdminToken")]
    [InlineData("alice", "short", "shorter than 16 characters")]
    [InlineData("alice", DefaultToken, "the same as the token of 'admin'")]
    public void Validate_InvalidNamedToken_FailsNamingTheKey(string name, string token, string reason)
    {
        var result = Validate((name, token));

        Assert.True(result.Failed);
        var failure = Assert.Single(result.Failures!);
        Assert.StartsWith($"Sendora:Gateway:AdminTokens:{name}: ", failure, StringComparison.Ordinal);
        Assert.Contains(reason, failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_TwoActorsWithOneToken_Fails()
    {
        var result = Validate(("alice", "shared-token-0123456789"), ("bob", "shared-token-0123456789"));

        var failure = Assert.Single(result.Failures!);
        Assert.Equal(
            "Sendora:Gateway:AdminTokens:bob: the token is the same as the token of 'alice'; every actor needs its own token.",
            failure);
    }

    [Fact]
    public void Validate_ShortDefaultToken_Fails()
    {
        var result = new GatewayOptionsValidator().Validate(null, new GatewayOptions { AdminToken = "short" });

        Assert.Contains("SENDORA_ADMIN_TOKEN", Assert.Single(result.Failures!), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_InvalidNamedToken_StopsWithTheKey()
    {
        var start = SendoraServer.StartAsync(new Dictionary<string, string?>
        {
            ["Sendora:Gateway:AdminTokens:Ops"] = "ops-token-0123456789abcdef",
        });

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => start);
        Assert.Contains("Sendora:Gateway:AdminTokens:Ops: the name must be", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(DefaultToken, "admin")]
    [InlineData("alice-token-0123456789", "alice")]
    [InlineData("bob-token-0123456789", "bob")]
    [InlineData("bob-token-012345678", null)]
    [InlineData("", null)]
    public void FindActor_ReturnsNameOfMatchingToken(string token, string? actor)
    {
        var options = Options.Create(new GatewayOptions
        {
            AdminToken = DefaultToken,
            AdminTokens = { ["alice"] = "alice-token-0123456789", ["bob"] = "bob-token-0123456789" },
        });

        Assert.Equal(actor, new AdminTokens(options).FindActor(token));
    }

    private static ValidateOptionsResult Validate(params (string Name, string Token)[] tokens)
    {
        var options = new GatewayOptions { AdminToken = DefaultToken };
        foreach (var (name, token) in tokens)
        {
            options.AdminTokens[name] = token;
        }

        return new GatewayOptionsValidator().Validate(null, options);
    }
}
