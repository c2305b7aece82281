using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Sendora.Gateway.Admin;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Admin;

/// <summary>
/// Admin bodies with strings that are not valid text get a 400 that gives where, also in the definitions that routes
/// read only after binding.
/// </summary>
[Collection(SendoraCollection.Name)]
public sealed class AdminJsonStringsTests(SendoraFixture fixture)
{
    private const string Journey = """
        {"id":"lone","definition":{"name":"NAME","trigger":{"event":"E"},"steps":[{"id":"s","type":"exit"}]}}
        """;

    [Fact]
    public async Task JourneyWithUnpairedSurrogate_Returns400()
    {
        using var response = await PostAsync("/admin/v1/workspaces/default/journeys",
            Encoding.UTF8.GetBytes(Journey.Replace("NAME", "\\ud800", StringComparison.Ordinal)));

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var detail = (await JsonAssert.ReadAsync(response)).GetProperty("detail").GetString();
        Assert.Contains("at byte", detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JourneyWithInvalidUtf8_Returns400()
    {
        var body = Encoding.UTF8.GetBytes(Journey);
        body[Journey.IndexOf("NAME", StringComparison.Ordinal)] = 0xC3;
        body[Journey.IndexOf("NAME", StringComparison.Ordinal) + 1] = 0x28;

        using var response = await PostAsync("/admin/v1/workspaces/default/journeys", body);

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
    }

    [Fact]
    public async Task AudienceConditionWithUnpairedSurrogate_Returns400()
    {
        using var response = await PostAsync("/admin/v1/workspaces/default/audiences",
            """{"name":"lone","condition":{"trait":"plan","operator":"equals","value":"\udc00"}}"""u8.ToArray());

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
    }

    [Theory]
    [InlineData("""{"a":"\ud83d\ude00 fine"}""", null)]
    [InlineData("""{"a":"\ud83d"}""", 5)]
    [InlineData("""{"\udfff":1}""", 1)]
    [InlineData("""not json""", null)]
    public void FindUnreadableString_GivesOffset(string json, int? offset)
    {
        Assert.Equal(offset, (int?)AdminJsonStrings.FindUnreadableString(Encoding.UTF8.GetBytes(json))?.Offset);
    }

    private async Task<HttpResponseMessage> PostAsync(string path, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SendoraServer.AdminToken);
        return await fixture.Server.Http.SendAsync(request);
    }
}
