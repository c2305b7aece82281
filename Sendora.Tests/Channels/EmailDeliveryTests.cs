using Microsoft.Extensions.Options;
using Sendora.Grains.Channels;

namespace Sendora.Tests.Channels;

[Collection(ChannelsCollection.Name)]
public sealed class EmailDeliveryTests(ChannelsFixture fixture)
{
    [Fact]
    public async Task Email_WithTraits_RendersHtmlAndTextParts()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        var request = Requests.Email(profileId, address);

        var record = await fixture.Delivery(request.DeliveryId).SendAsync(request);

        Assert.Equal(DeliveryStatuses.Sent, record.Status);
        Assert.Equal(1, record.Attempts);
        Assert.NotNull(record.SentAt);
        var message = Assert.Single(fixture.Smtp.To(address));
        Assert.Equal("Hello Ada", message.Subject);
        Assert.Contains("<p>Hi Ada, your total is 42.</p>", message.HtmlBody);
        Assert.Contains("Hi Ada, your total is 42.", message.TextBody);
        Assert.Equal(record.ProviderMessageId, message.MessageId);
    }

    [Fact]
    public async Task Email_ToTemplate_RendersFromTraits()
    {
        var profileId = Requests.NewId("p");
        var home = $"{profileId}@example.test";
        var work = $"{profileId}@work.example.test";
        var request = Requests.Email(profileId, home);
        request = request with
        {
            ContextJson = request.ContextJson.Replace("\"email\":", $"\"work_email\":\"{work}\",\"email\":", StringComparison.Ordinal),
            Email = request.Email! with { To = "{{ traits.work_email }}" },
        };

        var record = await fixture.Delivery(request.DeliveryId).SendAsync(request);

        Assert.Equal(DeliveryStatuses.Sent, record.Status);
        Assert.Single(fixture.Smtp.To(work));
        Assert.Empty(fixture.Smtp.To(home));
    }

    [Fact]
    public async Task Email_ToTemplateEmpty_Fails()
    {
        var profileId = Requests.NewId("p");
        var request = Requests.Email(profileId, $"{profileId}@example.test");
        request = request with { Email = request.Email! with { To = "{{ traits.missing }}" } };

        var record = await fixture.Delivery(request.DeliveryId).SendAsync(request);

        Assert.Equal(DeliveryStatuses.Failed, record.Status);
        Assert.Contains("no To address", record.Reason);
    }

    // Each attempt of one delivery carries the same Message-ID, so a receiver can drop a copy that was sent again
    // because its reply never arrived. Different deliveries get different ones.
    [Fact]
    public async Task EmailSender_SameDelivery_SameMessageId()
    {
        var address = $"{Requests.NewId("p")}@example.test";
        var sender = new EmailSender(Options.Create(new ChannelOptions
        {
            Email = { Host = "127.0.0.1", Port = fixture.Smtp.Port, Security = SmtpSecurity.None, From = "news@sendora.test" },
        }));

        var first = await sender.SendAsync(new RenderedEmail(address, "S", null, "T", "default/delivery:1:a"), null, CancellationToken.None);
        var again = await sender.SendAsync(new RenderedEmail(address, "S", null, "T", "default/delivery:1:a"), null, CancellationToken.None);
        var other = await sender.SendAsync(new RenderedEmail(address, "S", null, "T", "default/delivery:1:b"), null, CancellationToken.None);

        var ids = fixture.Smtp.To(address).Select(m => m.MessageId).ToList();
        Assert.Equal(3, ids.Count);
        Assert.Equal(ids[0], ids[1]);
        Assert.NotEqual(ids[0], ids[2]);
        Assert.EndsWith("@sendora.test", ids[0], StringComparison.Ordinal);
        Assert.Equal(first.ProviderMessageId, again.ProviderMessageId);
        Assert.Equal(ids[2], other.ProviderMessageId);
    }

    // A server that takes "\r.\r\n" as the end of the data would otherwise read the rest as a second message.
    [Fact]
    public async Task EmailSender_BareCarriageReturn_BecomesLineBreak()
    {
        var address = $"{Requests.NewId("p")}@example.test";
        var sender = new EmailSender(Options.Create(new ChannelOptions
        {
            Email = { Host = "127.0.0.1", Port = fixture.Smtp.Port, Security = SmtpSecurity.None, From = "news@sendora.test" },
        }));

        var outcome = await sender.SendAsync(new RenderedEmail(address, "S", "<p>a\rb</p>", "one\r.\r\ntwo\rthree"), null, CancellationToken.None);

        Assert.Equal(DeliveryStatuses.Sent, outcome.Status);
        var message = Assert.Single(fixture.Smtp.To(address));
        Assert.DoesNotMatch("\r(?!\n)", message.TextBody);
        Assert.DoesNotMatch("\r(?!\n)", message.HtmlBody);
        Assert.Equal(["one", ".", "two", "three"], message.TextBody!.ReplaceLineEndings("\n").TrimEnd().Split('\n'));
    }

    [Fact]
    public async Task Email_Marketing_CarriesOneClickUnsubscribeHeaders()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        var request = Requests.Email(profileId, address);

        await fixture.Delivery(request.DeliveryId).SendAsync(request);

        var message = Assert.Single(fixture.Smtp.To(address));
        var listUnsubscribe = message.Headers["List-Unsubscribe"];
        Assert.StartsWith($"<{ChannelsFixture.PublicUrl}/v1/unsubscribe/", listUnsubscribe);
        Assert.EndsWith(", <mailto:unsubscribe@sendora.test>", listUnsubscribe);
        Assert.Equal("List-Unsubscribe=One-Click", message.Headers["List-Unsubscribe-Post"]);
    }

    [Fact]
    public async Task Email_Transactional_HasNoUnsubscribeHeaders()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        var request = Requests.Email(profileId, address, transactional: true);

        await fixture.Delivery(request.DeliveryId).SendAsync(request);

        var message = Assert.Single(fixture.Smtp.To(address));
        Assert.Null(message.Headers["List-Unsubscribe"]);
    }

    [Fact]
    public async Task Email_Rejected550_MarksAddressUndeliverable()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        fixture.Smtp.ReplyTo(address, 550);
        var first = Requests.Email(profileId, address);
        var second = Requests.Email(profileId, address, transactional: true);

        var failed = await fixture.Delivery(first.DeliveryId).SendAsync(first);
        var suppressed = await fixture.Delivery(second.DeliveryId).SendAsync(second);

        Assert.Equal(DeliveryStatuses.Failed, failed.Status);
        Assert.Contains("550", failed.Reason);
        Assert.Equal(DeliveryStatuses.Suppressed, suppressed.Status);
        Assert.Contains("undeliverable", suppressed.Reason);
        Assert.Empty(fixture.Smtp.To(address));
        var status = await fixture.Profile(profileId).GetStatusAsync();
        Assert.True(status.UndeliverableAddresses.ContainsKey(address));
    }

    [Fact]
    public async Task Email_Temporary451_RetriesAndSendsOnce()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        fixture.Smtp.ReplyTo(address, 451);
        var request = Requests.Email(profileId, address);

        var first = await fixture.Delivery(request.DeliveryId).SendAsync(request);
        var final = await fixture.WaitUntilFinalAsync(fixture.Delivery(request.DeliveryId));

        Assert.Equal(DeliveryStatuses.Retrying, first.Status);
        Assert.Contains("451", first.Reason);
        Assert.Equal(DeliveryStatuses.Sent, final.Status);
        Assert.Equal(2, final.Attempts);
        Assert.Single(fixture.Smtp.To(address));
    }

    [Fact]
    public async Task Email_AlwaysTemporary_FailsAfterMaxAttempts()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        fixture.Smtp.ReplyTo(address, 451, 451, 451, 451);
        var request = Requests.Email(profileId, address);

        await fixture.Delivery(request.DeliveryId).SendAsync(request);
        var final = await fixture.WaitUntilFinalAsync(fixture.Delivery(request.DeliveryId));

        Assert.Equal(DeliveryStatuses.Failed, final.Status);
        Assert.Equal(3, final.Attempts);
        Assert.Contains("Gave up after 3 attempts", final.Reason);
        Assert.Empty(fixture.Smtp.To(address));
    }

    [Fact]
    public async Task Email_InvalidTemplate_FailsWithTemplateError()
    {
        var profileId = Requests.NewId("p");
        var address = $"{profileId}@example.test";
        var request = Requests.Email(profileId, address, subject: "Hello {{ traits.first_name ");

        var record = await fixture.Delivery(request.DeliveryId).SendAsync(request);

        Assert.Equal(DeliveryStatuses.Failed, record.Status);
        Assert.StartsWith("The subject template is invalid", record.Reason);
        Assert.Equal(0, record.Attempts);
        Assert.Empty(fixture.Smtp.To(address));
    }

    [Fact]
    public async Task Email_NoAddress_Fails()
    {
        var request = Requests.Email(Requests.NewId("p"), address: null!);

        var record = await fixture.Delivery(request.DeliveryId).SendAsync(request);

        Assert.Equal(DeliveryStatuses.Failed, record.Status);
        Assert.Contains("email trait", record.Reason);
    }
}
