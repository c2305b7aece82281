using System.Net;
using System.Text;
using System.Text.Json;
using Sendora.Tests.Infrastructure;
using static Sendora.Tests.Tracking.TrackingTestExtensions;

namespace Sendora.Tests.Tracking;

/// <summary>
/// How identify sets traits, as Segment does, and how text is cleaned on the way in: NUL characters
/// are removed and unpaired surrogates become U+FFFD, while every other character is kept as sent.
/// </summary>
[Collection(SendoraCollection.Name)]
public sealed class IdentifyTraitTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task Identify_TraitSentAsNull_IsStoredAsNull()
    {
        var user = NewId("traits");
        await IdentifyAsync(user, """{"plan":"pro","foo":"x"}""");

        await IdentifyAsync(user, """{"plan":null}""");

        var traits = await _server.GetTraitsAsync("user_id:" + user);
        Assert.Equal(JsonValueKind.Null, traits.GetProperty("plan").ValueKind);
        Assert.Equal("x", traits.GetProperty("foo").GetString());
    }

    [Fact]
    public async Task Identify_NestedObject_ReplacesOldValue()
    {
        var user = NewId("traits");
        await IdentifyAsync(user, """{"company":{"name":"Initech","size":50}}""");

        await IdentifyAsync(user, """{"company":{"name":"Initrode"}}""");

        var company = (await _server.GetTraitsAsync("user_id:" + user)).GetProperty("company");
        Assert.Equal("Initrode", company.GetProperty("name").GetString());
        Assert.False(company.TryGetProperty("size", out _));
    }

    [Fact]
    public async Task Identify_OtherTraits_AreKept()
    {
        var user = NewId("traits");
        await IdentifyAsync(user, """{"plan":"free","email":"a@example.com"}""");

        await IdentifyAsync(user, """{"plan":"pro"}""");

        var traits = await _server.GetTraitsAsync("user_id:" + user);
        Assert.Equal("pro", traits.GetProperty("plan").GetString());
        Assert.Equal("a@example.com", traits.GetProperty("email").GetString());
    }

    [Theory]
    [InlineData(""","traits":null""")]
    [InlineData("")]
    [InlineData(""","traits":{}""")]
    public async Task Identify_TraitsNullOrAbsent_ChangesNothing(string traitsField)
    {
        var user = NewId("traits");
        await IdentifyAsync(user, """{"plan":"pro","foo":"x"}""");

        var response = await _server.PostAsync("/v1/identify", $$$"""{"userId":"{{{user}}}"{{{traitsField}}}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var traits = await _server.GetTraitsAsync("user_id:" + user);
        Assert.Equal("pro", traits.GetProperty("plan").GetString());
        Assert.Equal("x", traits.GetProperty("foo").GetString());
        Assert.Equal(2, traits.EnumerateObject().Count());
    }

    [Fact]
    public async Task Identify_EmojiAndOtherScripts_StoredUnchanged()
    {
        var user = NewId("emoji");
        // Raw UTF-8 for most values, and one emoji sent as an escaped surrogate pair.
        var body = Encoding.UTF8.GetBytes($$$"""
            {"userId":"{{{user}}}","traits":{"meal":"000🍔","escaped":"\ud83c\udf54","rtl":"שלום","zwj":"👨‍💻","🍔 key":"v"}}
            """);

        var response = await _server.SendAsync(Post("/v1/identify", body).WithWriteKey(_server.WriteKey));

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var traits = await _server.GetTraitsAsync("user_id:" + user);
        Assert.Equal("000🍔", traits.GetProperty("meal").GetString());
        Assert.Equal("🍔", traits.GetProperty("escaped").GetString());
        Assert.Equal("שלום", traits.GetProperty("rtl").GetString());
        Assert.Equal("👨\u200d💻", traits.GetProperty("zwj").GetString());
        Assert.Equal("v", traits.GetProperty("🍔 key").GetString());
    }

    [Fact]
    public async Task Identify_NulCharacters_RemovedFromKeysAndValues()
    {
        var user = NewId("nul");
        var body = $$$"""
            {"userId":"{{{user}}}","traits":{"nickname":"ab\u0000cd","company":{"name":"Acme\u0000"},"k\u0000ey":"v"}}
            """;

        var response = await _server.PostAsync("/v1/identify", body);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var traits = await _server.GetTraitsAsync("user_id:" + user);
        Assert.Equal("abcd", traits.GetProperty("nickname").GetString());
        Assert.Equal("Acme", traits.GetProperty("company").GetProperty("name").GetString());
        Assert.Equal("v", traits.GetProperty("key").GetString());
        Assert.DoesNotContain('\0', traits.GetRawText());
    }

    [Fact]
    public async Task Identify_NulCharacters_RemovedFromStoredEvent()
    {
        var user = NewId("nul");

        await _server.PostAsync("/v1/identify", $$$"""{"userId":"{{{user}}}","traits":{"nickname":"ab\u0000cd"},"context":{"ip\u0000":"1\u0000"}}""");

        var stored = await _server.GetSingleEventAsync("user_id:" + user);
        Assert.Equal("abcd", stored.GetProperty("traits").GetProperty("nickname").GetString());
        Assert.Equal("1", stored.GetProperty("context").GetProperty("ip").GetString());
    }

    [Fact]
    public async Task Identify_LoneSurrogate_BecomesReplacementCharacter()
    {
        var user = NewId("surrogate");

        var response = await _server.PostAsync("/v1/identify", $$$"""{"userId":"{{{user}}}","traits":{"lone":"x\ud83c","low":"\udf54y"}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var traits = await _server.GetTraitsAsync("user_id:" + user);
        Assert.Equal("x\uFFFD", traits.GetProperty("lone").GetString());
        Assert.Equal("\uFFFDy", traits.GetProperty("low").GetString());
    }

    [Fact]
    public async Task Identify_LoneSurrogateInKey_BecomesReplacementCharacter()
    {
        var user = NewId("surrogate");

        var response = await _server.PostAsync("/v1/identify", $$$"""{"userId":"{{{user}}}","traits":{"k\ud83c":"v","\udf54k":"w"}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var traits = await _server.GetTraitsAsync("user_id:" + user);
        Assert.Equal("v", traits.GetProperty("k\uFFFD").GetString());
        Assert.Equal("w", traits.GetProperty("\uFFFDk").GetString());
    }

    [Fact]
    public async Task Track_LoneSurrogateInProperties_BecomesReplacementCharacter()
    {
        var user = NewId("surrogate");

        var response = await _server.PostAsync("/v1/track", $$$"""{"userId":"{{{user}}}","event":"E","properties":{"lone":"x\ud83c"}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var stored = await _server.GetSingleEventAsync("user_id:" + user);
        Assert.Equal("x\uFFFD", stored.GetProperty("properties").GetProperty("lone").GetString());
    }

    private async Task IdentifyAsync(string user, string traits)
    {
        var response = await _server.PostAsync("/v1/identify", $$$"""{"userId":"{{{user}}}","traits":{{{traits}}}}""");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
    }
}
