using System.Net;
using Sendora.Grains.Channels;

namespace Sendora.Tests.Channels;

[Collection(ChannelsCollection.Name)]
public sealed class UnsubscribeTests(ChannelsFixture fixture)
{
    [Fact]
    public async Task UnsubscribeLink_OneClickPost_SuppressesMarketingOnly()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        var first = Requests.Email(profileId, address);
        await fixture.Delivery(first.DeliveryId).SendAsync(first);
        var path = UnsubscribePath(Assert.Single(fixture.Smtp.To(address)).Headers["List-Unsubscribe"]!);

        using var page = await fixture.Server.Http.GetAsync(path);
        var afterGet = await fixture.Profile(profileId).GetStatusAsync();
        using var post = await fixture.Server.Http.PostAsync(path,
            new FormUrlEncodedContent([KeyValuePair.Create("List-Unsubscribe", "One-Click")]));
        var marketing = Requests.Email(profileId, address);
        var transactional = Requests.Email(profileId, address, transactional: true);
        var marketingRecord = await fixture.Delivery(marketing.DeliveryId).SendAsync(marketing);
        var transactionalRecord = await fixture.Delivery(transactional.DeliveryId).SendAsync(transactional);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("<form method=\"post\"", await page.Content.ReadAsStringAsync());
        Assert.Empty(afterGet.Subscriptions);
        Assert.Equal(HttpStatusCode.OK, post.StatusCode);
        Assert.Equal(DeliveryStatuses.Suppressed, marketingRecord.Status);
        Assert.Contains("unsubscribed from email", marketingRecord.Reason);
        Assert.Equal(DeliveryStatuses.Sent, transactionalRecord.Status);
        Assert.Equal(2, fixture.Smtp.To(address).Count);
        var status = await fixture.Profile(profileId).GetStatusAsync();
        Assert.False(status.Subscriptions[DeliveryChannels.Email].Subscribed);
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("djEKZGVmYXVsdApwCmVtYWls.AAAA")]
    public async Task UnsubscribeLink_BadSignature_Returns404(string token)
    {
        using var get = await fixture.Server.Http.GetAsync($"/v1/unsubscribe/{token}");
        using var post = await fixture.Server.Http.PostAsync($"/v1/unsubscribe/{token}", content: null);

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
    }

    [Fact]
    public async Task UnsubscribeLink_TamperedProfile_IsRejected()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        var request = Requests.Email(profileId, address);
        await fixture.Delivery(request.DeliveryId).SendAsync(request);
        var path = UnsubscribePath(Assert.Single(fixture.Smtp.To(address)).Headers["List-Unsubscribe"]!);
        var token = path[(path.LastIndexOf('/') + 1)..];
        var signature = token[token.IndexOf('.')..];
        var forged = System.Buffers.Text.Base64Url.EncodeToString("v1\ndefault\nsomeone-else\nemail"u8) + signature;

        using var post = await fixture.Server.Http.PostAsync($"/v1/unsubscribe/{forged}", content: null);

        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
        Assert.Empty((await fixture.Profile("someone-else").GetStatusAsync()).Subscriptions);
    }

    [Fact]
    public async Task AdminApi_Resubscribe_SendsMarketingAgain()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        var path = $"/admin/v1/workspaces/default/profiles/{profileId}/subscriptions/email";

        using var unsubscribe = await fixture.Server.SendAsAdminAsync(HttpMethod.Put, path, """{"subscribed":false}""");
        var suppressed = Requests.Email(profileId, address);
        var suppressedRecord = await fixture.Delivery(suppressed.DeliveryId).SendAsync(suppressed);
        using var resubscribe = await fixture.Server.SendAsAdminAsync(HttpMethod.Put, path, """{"subscribed":true,"reason":"Opted in again"}""");
        var sent = Requests.Email(profileId, address);
        var sentRecord = await fixture.Delivery(sent.DeliveryId).SendAsync(sent);
        using var invalid = await fixture.Server.SendAsAdminAsync(HttpMethod.Put, path.Replace("/email", "/sms"), """{"subscribed":true}""");

        Assert.Equal(HttpStatusCode.OK, unsubscribe.StatusCode);
        Assert.Equal(DeliveryStatuses.Suppressed, suppressedRecord.Status);
        Assert.Equal(HttpStatusCode.OK, resubscribe.StatusCode);
        Assert.Contains("Opted in again", await resubscribe.Content.ReadAsStringAsync());
        Assert.Equal(DeliveryStatuses.Sent, sentRecord.Status);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }

    /// <summary>Returns the path of the https link in a <c>List-Unsubscribe</c> header, to send to the test gateway.</summary>
    private static string UnsubscribePath(string header)
    {
        var link = header.Split(',')[0].Trim().Trim('<', '>');
        Assert.StartsWith(ChannelsFixture.PublicUrl, link);
        return new Uri(link).AbsolutePath;
    }
}
