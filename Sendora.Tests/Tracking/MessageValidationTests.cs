using System.Net;
using Sendora.Tests.Infrastructure;
using static Sendora.Tests.Tracking.TrackingTestExtensions;

namespace Sendora.Tests.Tracking;

/// <summary>The fields each message needs, how ids are read, and the messageId rules.</summary>
[Collection(SendoraCollection.Name)]
public sealed class MessageValidationTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task UserId_Number_IsStoredAsString()
    {
        var number = Random.Shared.NextInt64(1_000_000_000, long.MaxValue);

        var response = await _server.PostAsync("/v1/track", $$$"""{"userId":{{{number}}},"event":"E"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = await _server.GetSingleEventAsync($"user_id:{number}");
        Assert.Equal(System.Text.Json.JsonValueKind.String, stored.GetProperty("userId").ValueKind);
        Assert.Equal(number.ToString(), stored.GetProperty("userId").GetString());
    }

    [Fact]
    public async Task AnonymousId_Number_IsStoredAsString()
    {
        var number = Random.Shared.NextInt64(1_000_000_000, long.MaxValue);

        var response = await _server.PostAsync("/v1/page", $$$"""{"anonymousId":{{{number}}},"name":"Home"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = await _server.GetSingleEventAsync($"anonymous_id:{number}");
        Assert.Equal(number.ToString(), stored.GetProperty("anonymousId").GetString());
    }

    public static TheoryData<string> LongestIds => new()
    {
        new string('a', 512 - 33) + "-",
        new string('#', 512 - 33) + "-",
        new string('\u00e9', 512 - 33) + "-",
        string.Concat(Enumerable.Repeat("\U0001F354", (512 - 33) / 2)) + "x-",
    };

    [Theory]
    [MemberData(nameof(LongestIds))]
    public async Task UserId_512Characters_IsStored(string prefix)
    {
        // Azure Table keys hold at most 512 characters, so ids this long must not become keys as they are.
        var user = prefix + Guid.NewGuid().ToString("N");
        Assert.Equal(512, user.Length);
        var body = System.Text.Json.JsonSerializer.Serialize(new { userId = user, @event = "E" });

        var response = await _server.PostAsync("/v1/track", body);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = await _server.GetSingleEventAsync("user_id:" + user);
        Assert.Equal(user, stored.GetProperty("userId").GetString());
    }

    [Fact]
    public async Task UserId_513Characters_Returns400()
    {
        var user = new string('a', 513 - 32) + Guid.NewGuid().ToString("N");

        var response = await _server.PostAsync("/v1/track", $$$"""{"userId":"{{{user}}}","event":"E"}""");

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "id_too_long");
        Assert.Contains("512", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnonymousId_Alone_IsEnough()
    {
        var anonymous = NewId("anon");

        var response = await _server.PostAsync("/v1/track", $$$"""{"userId":null,"anonymousId":"{{{anonymous}}}","event":"E"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = await _server.GetSingleEventAsync("anonymous_id:" + anonymous);
        Assert.False(stored.TryGetProperty("userId", out _));
    }

    [Theory]
    [InlineData("""{"event":"E"}""")]
    [InlineData("""{"userId":null,"event":"E"}""")]
    [InlineData("""{"userId":"","event":"E"}""")]
    [InlineData("""{"userId":"   ","event":"E"}""")]
    [InlineData("""{"userId":null,"anonymousId":"   ","event":"E"}""")]
    [InlineData("""{"userId":"","anonymousId":"","event":"E"}""")]
    [InlineData("""{"anonymousId":null,"event":"E"}""")]
    public async Task Identity_MissingNullEmptyOrBlank_Returns400(string body)
    {
        var response = await _server.PostAsync("/v1/track", body);

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "missing_identity");
        Assert.Contains("userId", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("anonymousId", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/identify")]
    [InlineData("/v1/page")]
    [InlineData("/v1/screen")]
    [InlineData("/v1/group")]
    [InlineData("/v1/alias")]
    public async Task Identity_MissingOnAnyCallType_Returns400(string path)
    {
        var response = await _server.PostAsync(path, """{"groupId":"g1","traits":{"plan":"pro"}}""");

        await response.ReadErrorAsync(HttpStatusCode.BadRequest, "missing_identity");
    }

    [Theory]
    [InlineData("""{"userId":"USER"}""")]
    [InlineData("""{"userId":"USER","event":""}""")]
    [InlineData("""{"userId":"USER","event":"  "}""")]
    [InlineData("""{"userId":"USER","event":null}""")]
    [InlineData("""{"userId":"USER","event":42}""")]
    public async Task Track_WithoutEvent_Returns400AndStoresNothing(string template)
    {
        var user = NewId("no-event");

        var response = await _server.PostAsync("/v1/track", template.Replace("USER", user, StringComparison.Ordinal));

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "missing_event");
        Assert.Contains("\"event\"", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task Group_WithoutGroupId_Returns400AndStoresNothing()
    {
        var user = NewId("no-group");

        var response = await _server.PostAsync("/v1/group", $$$"""{"userId":"{{{user}}}","traits":{"name":"Initech"}}""");

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "missing_group_id");
        Assert.Contains("\"groupId\"", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task Group_WithGroupId_IsStored()
    {
        var user = NewId("group");

        var response = await _server.PostAsync("/v1/group", $$$"""{"userId":"{{{user}}}","groupId":"g-1"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal("g-1", (await _server.GetSingleEventAsync("user_id:" + user)).GetProperty("groupId").GetString());
    }

    [Fact]
    public async Task Alias_WithoutAnonymousId_IsAccepted()
    {
        var user = NewId("alias");

        var response = await _server.PostAsync("/v1/alias", $$$"""{"userId":"{{{user}}}","previousId":"old-{{{user}}}"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = await _server.GetSingleEventAsync("user_id:" + user);
        Assert.Equal("old-" + user, stored.GetProperty("previousId").GetString());
    }

    [Fact]
    public async Task Alias_WithoutPreviousId_Returns400AndStoresNothing()
    {
        var user = NewId("alias");

        var response = await _server.PostAsync("/v1/alias", $$$"""{"userId":"{{{user}}}"}""");

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "missing_previous_id");
        Assert.Contains("\"previousId\"", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Fact]
    public async Task Alias_WithoutUserId_Returns400()
    {
        var anonymous = NewId("alias-anon");

        var response = await _server.PostAsync("/v1/alias", $$$"""{"anonymousId":"{{{anonymous}}}","previousId":"p-{{{anonymous}}}"}""");

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "missing_user_id");
        Assert.Contains("\"userId\"", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("anonymous_id:" + anonymous));
    }

    [Fact]
    public async Task MessageId_99Characters_IsAccepted()
    {
        var user = NewId("message-id");
        var messageId = new string('m', 99);

        var response = await _server.PostAsync("/v1/track", $$$"""{"userId":"{{{user}}}","event":"E","messageId":"{{{messageId}}}"}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal(messageId, (await _server.GetSingleEventAsync("user_id:" + user)).GetProperty("messageId").GetString());
    }

    [Fact]
    public async Task MessageId_100Characters_Returns400AndStoresNothing()
    {
        var user = NewId("message-id");
        var messageId = new string('m', 100);

        var response = await _server.PostAsync("/v1/track", $$$"""{"userId":"{{{user}}}","event":"E","messageId":"{{{messageId}}}"}""");

        var error = await response.ReadErrorAsync(HttpStatusCode.BadRequest, "message_id_too_long");
        Assert.Contains("messageId", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("99", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, await _server.GetProfileStatusAsync("user_id:" + user));
    }

    [Theory]
    [InlineData("")]
    [InlineData(""","messageId":null""")]
    [InlineData(""","messageId":"  " """)]
    public async Task MessageId_MissingOrBlank_IsGenerated(string messageIdField)
    {
        var user = NewId("message-id");

        var response = await _server.PostAsync("/v1/track", $$$"""{"userId":"{{{user}}}","event":"E"{{{messageIdField}}}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var messageId = (await _server.GetSingleEventAsync("user_id:" + user)).GetProperty("messageId").GetString();
        Assert.False(string.IsNullOrWhiteSpace(messageId));
    }

    [Fact]
    public async Task MessageId_Generated_DiffersPerMessage()
    {
        var user = NewId("message-id");

        await _server.PostAsync("/v1/track", $$$"""{"userId":"{{{user}}}","event":"E"}""");
        await _server.PostAsync("/v1/track", $$$"""{"userId":"{{{user}}}","event":"E"}""");

        var events = await _server.GetEventsAsync("user_id:" + user);
        Assert.Equal(2, events.Select(e => e.GetProperty("messageId").GetString()).Distinct().Count());
    }

    [Fact]
    public async Task BatchItem_UnknownType_IsRejected()
    {
        var user = NewId("type");
        var body = $$$"""
            {"batch":[{"type":"delete","userId":"{{{user}}}"},{"userId":"{{{user}}}","event":"E"},
                      {"type":"track","userId":"{{{user}}}","event":"E"}]}
            """;

        var response = await _server.PostAsync("/v1/batch", body);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var rejected = (await JsonAssert.ReadAsync(response)).GetProperty("rejected").EnumerateArray().ToArray();
        Assert.Equal([0, 1], rejected.Select(r => r.GetProperty("index").GetInt32()));
        Assert.All(rejected, r => Assert.Equal("invalid_type", r.GetProperty("code").GetString()));
        Assert.Contains("delete", rejected[0].GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Single(await _server.GetEventsAsync("user_id:" + user));
    }
}
