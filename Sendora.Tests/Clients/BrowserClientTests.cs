using System.Text.Json;
using Sendora.Tests.Infrastructure;
using Xunit.Sdk;

namespace Sendora.Tests.Clients;

/// <summary>
/// Loads analytics.js (@segment/analytics-next) in headless Chromium from a page on its own origin, so
/// every call to the gateway is cross-origin, and reads what arrived through the profile API.
/// </summary>
[Collection(SendoraCollection.Name)]
public sealed class BrowserClientTests(SendoraFixture fixture)
{
    private const string Package = "@segment/analytics-next";
    private const string PagePath = "/clients/browser/index.html";
    private const string PageTitle = "Sendora browser client";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ClockTolerance = TimeSpan.FromSeconds(1);

    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task AnalyticsNext_CrossOriginPage_StoresEveryCall()
    {
        RequireChromium();
        NodeScript.RequirePackage(Package);
        NodeScript.RequirePackage("playwright-core");
        await using var pages = await StaticFileServer.StartAsync(TestEnvironment.ToolsDirectory);
        var gateway = _server.BaseAddress.GetLeftPart(UriPartial.Authority);
        var user = "browser-user-" + Guid.NewGuid().ToString("N")[..12];
        var query = $"?writeKey={Uri.EscapeDataString(_server.WriteKey)}&cdnURL={Uri.EscapeDataString(gateway)}" +
            $"&userId={Uri.EscapeDataString(user)}";
        var pageUrl = new Uri(pages.BaseAddress, PagePath.TrimStart('/') + query).ToString();
        Assert.NotEqual(gateway, pages.BaseAddress.GetLeftPart(UriPartial.Authority));

        var started = DateTimeOffset.UtcNow;
        var run = await NodeScript.RunAsync(
            "browser-check.mjs",
            ["--page-url", pageUrl, "--chromium", TestEnvironment.Chromium, "--timeout-ms", "30000"],
            Timeout);
        var ended = DateTimeOffset.UtcNow;

        run.AssertSucceeded();
        var requests = run.ReadResult().GetProperty("requests").EnumerateArray().ToList();
        AssertRequests(requests, gateway, pages.BaseAddress.GetLeftPart(UriPartial.Authority));

        var profile = await StoredProfile.ReadAsync(_server, "user_id:" + user);
        var identify = profile.SingleEventOfType("identify");
        var page = profile.SingleEventOfType("page");
        var track = profile.SingleEventOfType("track");
        Assert.Equal(3, profile.Events.Count);

        Assert.Equal("Docs", page.GetProperty("name").GetString());
        Assert.Equal("/docs", ClientAssert.StringAt(page, "properties.path"));
        Assert.Equal(pageUrl, ClientAssert.StringAt(page, "properties.url"));
        Assert.Equal(PageTitle, ClientAssert.StringAt(page, "properties.title"));
        Assert.Equal("Button Clicked", track.GetProperty("event").GetString());
        ClientAssert.JsonEqual("""{"label":"x"}""", track.GetProperty("properties"), "track properties");

        var anonymousId = identify.GetProperty("anonymousId").GetString();
        Assert.False(string.IsNullOrEmpty(anonymousId), $"analytics.js sent no anonymousId: {identify}");
        var version = ReadPackageVersion();
        foreach (var stored in (JsonElement[])[identify, page, track])
        {
            Assert.Equal(user, stored.GetProperty("userId").GetString());
            Assert.Equal(anonymousId, stored.GetProperty("anonymousId").GetString());
            // analytics.js copies a page call's own path, url, title, search and referrer properties
            // into its context.page, so only the page event names /docs there.
            var path = stored.GetProperty("type").GetString() == "page" ? "/docs" : PagePath;
            AssertPageContext(stored, path, pageUrl, query);
            Assert.Equal("analytics.js", ClientAssert.StringAt(stored, "context.library.name"));
            Assert.EndsWith("-" + version, ClientAssert.StringAt(stored, "context.library.version"));
            foreach (var field in (string[])["originalTimestamp", "timestamp", "receivedAt", "sentAt"])
            {
                ClientAssert.Timestamp(stored, field, started - ClockTolerance, ended + ClockTolerance);
            }
        }

        Assert.Equal(3, profile.MessageIds().Distinct().Count());
        Assert.Equal(["anonymous_id:" + anonymousId, "user_id:" + user], profile.ExternalIdStrings().Order());
        var byAnonymousId = await StoredProfile.ReadAsync(_server, "anonymous_id:" + anonymousId);
        Assert.Equal(profile.MessageIds(), byAnonymousId.MessageIds());
    }

    private void AssertRequests(List<JsonElement> requests, string gateway, string pageOrigin)
    {
        var described = string.Join("\n", requests);
        var settings = $"{gateway}/v1/projects/{Uri.EscapeDataString(_server.WriteKey)}/settings";
        Assert.True(
            requests.Any(r => Method(r) == "GET" && Url(r) == settings && Status(r) == 200),
            $"analytics.js did not load its settings from {settings}. Requests:\n{described}");

        // analytics.js 1.84 posts to api.segment.io/v1 unless its settings name another apiHost, so
        // these requests also show that it used the settings document from the gateway.
        foreach (var path in (string[])["/v1/i", "/v1/p", "/v1/t"])
        {
            Assert.True(
                requests.Count(r => Method(r) == "POST" && Url(r) == gateway + path && Status(r) == 200) == 1,
                $"Expected one POST {gateway}{path} with status 200. Requests:\n{described}");
        }

        foreach (var request in requests)
        {
            var origin = new Uri(Url(request)).GetLeftPart(UriPartial.Authority);
            Assert.True(origin == gateway || origin == pageOrigin || Url(request).StartsWith("data:", StringComparison.Ordinal),
                $"Request to neither the gateway nor the page's server: {request}");
        }
    }

    private static void AssertPageContext(JsonElement stored, string path, string pageUrl, string query)
    {
        Assert.Equal(path, ClientAssert.StringAt(stored, "context.page.path"));
        Assert.Equal(pageUrl, ClientAssert.StringAt(stored, "context.page.url"));
        Assert.Equal(query, ClientAssert.StringAt(stored, "context.page.search"));
        Assert.Equal(PageTitle, ClientAssert.StringAt(stored, "context.page.title"));
        Assert.Equal(string.Empty, ClientAssert.StringAt(stored, "context.page.referrer"));
    }

    private static void RequireChromium()
    {
        if (!File.Exists(TestEnvironment.Chromium))
        {
            throw new XunitException(
                $"Chromium is missing at {TestEnvironment.Chromium}: install Debian's chromium package (./test.sh does) " +
                "or set SENDORA_CHROMIUM to its path.");
        }
    }

    private static string ReadPackageVersion()
    {
        var path = Path.Combine(TestEnvironment.ToolsDirectory, "node_modules", Package, "package.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.GetProperty("version").GetString()
            ?? throw new XunitException($"{path} has no version.");
    }

    private static string? Method(JsonElement request) => request.GetProperty("method").GetString();

    private static string Url(JsonElement request) => request.GetProperty("url").GetString() ?? string.Empty;

    private static int Status(JsonElement request) => request.GetProperty("status").GetInt32();
}
