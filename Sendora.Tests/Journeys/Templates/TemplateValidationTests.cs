using System.Net;
using Sendora.Tests.Infrastructure;
using static Sendora.Tests.Journeys.Templates.TemplateWorkspace;

namespace Sendora.Tests.Journeys.Templates;

/// <summary>Templates that the admin API rejects, each with an error that names the field and the limit.</summary>
[Collection(SendoraCollection.Name)]
public sealed class TemplateValidationTests(SendoraFixture fixture)
{
    private const int BodyLimit = 262_144;

    /// <summary>A request body, the field its error names, and a part of the message such as the limit.</summary>
    public static TheoryData<string, string, string> InvalidBodies => new()
    {
        { Email(("id", "Not Valid")), "id", "64 characters" },
        { Email(("name", null)), "name", "256 characters" },
        { Email(("name", "  ")), "name", "non-blank" },
        { Email(("name", new string('n', 257))), "name", "not 257" },
        { Email(("name", string.Concat(Enumerable.Repeat("😀", 257)))), "name", "not 257" },
        { Email(("channel", null)), "channel", "\"email\" or \"push\"" },
        { Email(("channel", "webhook")), "channel", "\"push\"" },
        { Email(("subject", null)), "subject", "1,000 characters" },
        { Email(("subject", new string('s', 1_001))), "subject", "not 1,001" },
        { Email(("htmlBody", null), ("textBody", null)), "htmlBody", "'textBody'" },
        { Email(("htmlBody", "")), "htmlBody", "262,144 bytes" },
        { Email(("htmlBody", new string('h', BodyLimit + 1))), "htmlBody", "not 262,145" },
        // A character outside ASCII counts as its UTF-8 bytes: 87,382 euro signs are 262,146 bytes.
        { Email(("textBody", new string('€', 87_382))), "textBody", "not 262,146" },
        { Email(("title", "x")), "title", "email template" },
        { Email(("data", new Dictionary<string, string>())), "data", "email template" },
        { Push(("title", null)), "title", "1,000 characters" },
        { Push(("title", new string('t', 1_001))), "title", "not 1,001" },
        { Push(("body", null)), "body", "262,144 bytes" },
        { Push(("body", new string('b', BodyLimit + 1))), "body", "not 262,145" },
        { Push(("subject", "s")), "subject", "push template" },
        { Push(("data", DataEntries(51))), "data", "at most 50 entries, not 51" },
        { Push(("data", new Dictionary<string, string> { [""] = "v" })), "data", "non-empty" },
        {
            Email(("htmlBody", new string('h', BodyLimit)), ("textBody", new string('t', BodyLimit))),
            "template", "at most 524,288 bytes"
        },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Create_InvalidField_Returns400NamingIt(string body, string field, string expectedText)
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);

        using var response = await workspace.PostAsync(body);

        var detail = await ReadBadRequestDetailAsync(response);
        Assert.StartsWith($"'{field}' must be", detail);
        Assert.Contains(expectedText, detail);
        Assert.Empty(await workspace.ListIdsAsync());
    }

    [Theory]
    [InlineData("subject", "Hello {% if traits.vip %}VIP")]
    [InlineData("htmlBody", "<p>{{ traits.first_name </p>")]
    [InlineData("textBody", "{% for x in %}{% endfor %}")]
    public async Task Create_InvalidLiquid_NamesFieldAndError(string field, string source)
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);

        using var response = await workspace.PostAsync(Email((field, source)));

        var detail = await ReadBadRequestDetailAsync(response);
        Assert.StartsWith($"'{field}' must be a Liquid template that parses, but Fluid reports: ", detail);

        // Fluid's message ends with the line and column of the error, such as "at (1:24)", and the source is not
        // repeated after it.
        Assert.Matches(@"Fluid reports: .+ \(\d+:\d+\)\.$", detail);
        Assert.DoesNotContain(source, detail);
    }

    [Fact]
    public async Task Update_InvalidLiquid_KeepsStoredVersion()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAsync(Push(("id", "alert"), ("body", "Fine")));

        var invalid = Push(("channel", null), ("body", "{{ event.properties.x "));
        using var response = await workspace.PutAsync("alert", invalid);

        var detail = await ReadBadRequestDetailAsync(response);
        Assert.StartsWith("'body' must be a Liquid template", detail);
        var stored = await workspace.GetTemplateAsync("alert");
        Assert.Equal("Fine", stored.GetProperty("body").GetString());
        Assert.Equal(1, stored.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Create_DataValueNotString_Returns400WithPath()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);

        var body = Push(("data", new Dictionary<string, object> { ["count"] = 3 }));
        using var response = await workspace.PostAsync(body);

        Assert.Contains("$.data.count", await ReadBadRequestDetailAsync(response));
    }

    [Fact]
    public async Task Create_AtLimits_IsAccepted()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);

        await workspace.CreateAsync(Email(("id", "email-limits"), ("name", new string('n', 256)),
            ("subject", new string('s', 1_000)), ("htmlBody", new string('h', BodyLimit)),
            ("textBody", new string('t', 200_000))));
        await workspace.CreateAsync(Push(("id", "push-emoji"), ("name", string.Concat(Enumerable.Repeat("😀", 256))),
            ("title", string.Concat(Enumerable.Repeat("🔔", 1_000)))));
        await workspace.CreateAsync(Push(("id", "push-limits"), ("title", new string('t', 1_000)),
            ("body", new string('b', BodyLimit)), ("data", DataEntries(50))));

        var email = await workspace.GetTemplateAsync("email-limits");
        Assert.Equal(BodyLimit, email.GetProperty("htmlBody").GetString()!.Length);
        var push = await workspace.GetTemplateAsync("push-limits");
        Assert.Equal(50, push.GetProperty("data").EnumerateObject().Count());
    }

    private static Dictionary<string, string> DataEntries(int count) =>
        Enumerable.Range(0, count).ToDictionary(i => $"key{i}", i => $"value{i}");
}
