using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Sendora.Gateway.Admin;
using Sendora.Gateway.Hosting;
using Sendora.Tests.Infrastructure;
using Sendora.Tests.Tracking;

namespace Sendora.Tests.Admin;

/// <summary>Named admin tokens: the checks at start, the lookup of a request's actor and the limit on wrong tokens.</summary>
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

        Assert.Equal(actor, new AdminTokens(options, TimeProvider.System).FindActor(token));
    }

    [Theory]
    [InlineData(0, "00:01:00", "Sendora:Gateway:FailedTokenLimit is 0; it must be at least 1.")]
    [InlineData(20, "00:00:00", "Sendora:Gateway:FailedTokenWindow is 00:00:00; it must be longer than zero.")]
    public void Validate_InvalidFailureLimit_FailsNamingTheKey(int limit, string window, string failure)
    {
        var options = new GatewayOptions
        {
            AdminToken = DefaultToken,
            FailedTokenLimit = limit,
            FailedTokenWindow = TimeSpan.Parse(window, CultureInfo.InvariantCulture),
        };

        var result = new GatewayOptionsValidator().Validate(null, options);

        Assert.Equal(failure, Assert.Single(result.Failures!));
    }

    [Fact]
    public void Check_OverLimit_BlocksAddressUntilWindowEnds()
    {
        var clock = new SettableClock(DateTimeOffset.Parse("2026-12-04T12:00:00Z", CultureInfo.InvariantCulture));
        var tokens = new AdminTokens(
            Options.Create(new GatewayOptions { AdminToken = DefaultToken, FailedTokenLimit = 3, FailedTokenWindow = TimeSpan.FromMinutes(1) }),
            clock);
        var guesser = Client("192.0.2.7");
        var other = Client("192.0.2.8");

        var wrong = Enumerable.Range(0, 3).Select(i => tokens.Check(guesser, $"guess-{i}")).ToList();
        clock.Advance(TimeSpan.FromSeconds(20));
        var blocked = tokens.Check(guesser, DefaultToken);
        var otherAddress = tokens.Check(other, DefaultToken);
        clock.Advance(TimeSpan.FromSeconds(40));
        var afterWindow = tokens.Check(guesser, DefaultToken);

        Assert.All(wrong, check => Assert.Equal(new AdminTokenCheck(null, null), check));
        Assert.Null(blocked.Actor);
        Assert.Equal(TimeSpan.FromSeconds(40), blocked.RetryAfter);
        Assert.Equal("admin", otherAddress.Actor);
        Assert.Equal("admin", afterWindow.Actor);
    }

    [Fact]
    public async Task AdminApi_TooManyWrongTokens_Answers429()
    {
        await using var server = await SendoraServer.StartAsync(new Dictionary<string, string?>
        {
            ["Sendora:Gateway:FailedTokenLimit"] = "2",
            ["Sendora:Gateway:FailedTokenWindow"] = "00:10:00",
        });

        var statuses = new List<HttpStatusCode>();
        foreach (var token in new[] { "wrong-token-0123456789", "wrong-token-9876543210", SendoraServer.AdminToken })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/workspaces");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await server.Http.SendAsync(request);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "The 429 has no Retry-After in seconds.");
                var body = await response.Content.ReadAsStringAsync();
                Assert.Contains("2 wrong admin tokens came from this address within 00:10:00", body, StringComparison.Ordinal);
            }
        }

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
    }

    private static DefaultHttpContext Client(string address)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(address);
        return context;
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
