using System.Net;
using Sendora.Tests.Infrastructure;
using static Sendora.Tests.Journeys.Templates.TemplateWorkspace;

namespace Sendora.Tests.Journeys.Templates;

/// <summary>Rendering a stored template over a context given in the preview request.</summary>
[Collection(SendoraCollection.Name)]
public sealed class TemplatePreviewTests(SendoraFixture fixture)
{
    [Fact]
    public async Task Preview_Email_RendersTraitsEventAndJourney()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAsync("""
            {"id":"receipt","name":"Receipt","channel":"email",
             "subject":"Thanks {{ traits.first_name }} for {{ event.event }}",
             "htmlBody":"<p>{{ traits.first_name }} paid {{ event.properties.total }} in {{ journey.name }}</p>",
             "textBody":"{{ traits.first_name }} paid {{ event.properties.total }}"}
            """);

        using var response = await workspace.PreviewAsync("receipt", """
            {"traits":{"first_name":"Ada <Admin> & Co"},
             "event":{"event":"Order Completed","properties":{"total":42.5}},
             "journey":{"name":"Post-purchase"}}
            """);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var preview = await JsonAssert.ReadAsync(response);
        Assert.Equal("email", preview.GetProperty("channel").GetString());
        Assert.Equal("Thanks Ada <Admin> & Co for Order Completed", preview.GetProperty("subject").GetString());
        Assert.Equal("<p>Ada &lt;Admin&gt; &amp; Co paid 42.5 in Post-purchase</p>",
            preview.GetProperty("htmlBody").GetString());
        Assert.Equal("Ada <Admin> & Co paid 42.5", preview.GetProperty("textBody").GetString());
    }

    [Fact]
    public async Task Preview_Push_RendersTitleAndBody()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAsync("""
            {"id":"cart","name":"Cart","channel":"push","title":"{{ traits.first_name }}, your cart",
             "body":"{{ event.properties.items }} items <waiting>","data":{"screen":"{{ not rendered }}"}}
            """);

        using var response = await workspace.PreviewAsync("cart",
            """{"traits":{"first_name":"Grace"},"event":{"properties":{"items":3}}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var preview = await JsonAssert.ReadAsync(response);
        Assert.Equal("push", preview.GetProperty("channel").GetString());
        Assert.Equal("Grace, your cart", preview.GetProperty("title").GetString());
        Assert.Equal("3 items <waiting>", preview.GetProperty("body").GetString());
        Assert.Equal("{{ not rendered }}", preview.GetProperty("data").GetProperty("screen").GetString());
    }

    [Fact]
    public async Task Preview_WithoutBody_RendersEmptyVariables()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAsync(
            Email(("id", "hi"), ("subject", "Hi {{ traits.first_name }}!"), ("htmlBody", null), ("textBody", "Hello")));
        using var request = new HttpRequestMessage(HttpMethod.Post, $"{workspace.TemplatesPath}/hi/preview");
        request.Headers.Authorization = new("Bearer", SendoraServer.AdminToken);

        using var response = await fixture.Server.Http.SendAsync(request);

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        var preview = await JsonAssert.ReadAsync(response);
        Assert.Equal("Hi !", preview.GetProperty("subject").GetString());
        Assert.Equal("Hello", preview.GetProperty("textBody").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, preview.GetProperty("htmlBody").ValueKind);
    }

    [Theory]
    [InlineData("traits", """{"traits":["a"]}""")]
    [InlineData("event", """{"event":"Order Completed"}""")]
    [InlineData("journey", """{"journey":3}""")]
    public async Task Preview_VariableNotObject_Returns400NamingIt(string field, string body)
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAsync(Email(("id", "welcome")));

        using var response = await workspace.PreviewAsync("welcome", body);

        var detail = await ReadBadRequestDetailAsync(response);
        Assert.StartsWith($"'{field}' must be a JSON object", detail);
    }

    [Fact]
    public async Task Preview_RenderFailure_Returns400NamingField()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAsync(Email(("id", "ratio"), ("textBody", "{{ 10 | divided_by: traits.zero }}")));

        using var response = await workspace.PreviewAsync("ratio", """{"traits":{"zero":0}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var problem = await JsonAssert.ReadAsync(response);
        Assert.Equal("Template failed to render", problem.GetProperty("title").GetString());
        Assert.StartsWith("The textBody template failed to render", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Preview_LoopPastStepLimit_Returns400()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAsync(Email(("id", "loop"), ("textBody", "{% for i in (1..traits.n) %}{{ i }}{% endfor %}")));

        using var response = await workspace.PreviewAsync("loop", """{"traits":{"n":12000000}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.BadRequest, response);
        var problem = await JsonAssert.ReadAsync(response);
        Assert.StartsWith("The textBody template failed to render", problem.GetProperty("detail").GetString());
    }

    // JSON numbers have no range, so a trait may be beyond decimal's (1e30) or even double's (1e400).
    [Fact]
    public async Task Preview_HugeNumbers_Render()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAsync(Email(("id", "huge"), ("textBody", "{{ traits.big }} {{ traits.bigger }}")));

        using var response = await workspace.PreviewAsync("huge", """{"traits":{"big":1e30,"bigger":1e400}}""");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        Assert.Equal("1E+30 1e400", (await JsonAssert.ReadAsync(response)).GetProperty("textBody").GetString());
    }
}
