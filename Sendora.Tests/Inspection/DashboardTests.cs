using System.Net;
using System.Net.Http.Headers;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Inspection;

/// <summary>The Orleans Dashboard behind the admin token: as a header for scripts, as a sign-in cookie for browsers.</summary>
[Collection(SendoraCollection.Name)]
public sealed class DashboardTests(SendoraFixture fixture)
{
    private readonly SendoraServer _server = fixture.Server;

    [Theory]
    [InlineData("/admin/dashboard/")]
    [InlineData("/admin/dashboard/version")]
    [InlineData("/admin/dashboard/ClusterStats")]
    public async Task Dashboard_WithoutToken_Returns401(string path)
    {
        using var response = await _server.Http.GetAsync(path);

        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
    }

    [Fact]
    public async Task Dashboard_WrongToken_Returns401()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/dashboard/version");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "wrong-token-0123456789");

        using var response = await _server.Http.SendAsync(request);

        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, response);
    }

    [Fact]
    public async Task Dashboard_WithToken_ServesPageAndData()
    {
        using var page = await _server.GetAsAdminAsync("/admin/dashboard/");
        using var counters = await _server.GetAsAdminAsync("/admin/dashboard/DashboardCounters");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, page);
        Assert.Contains("<title>Orleans Dashboard</title>", await page.Content.ReadAsStringAsync());
        await JsonAssert.StatusAsync(HttpStatusCode.OK, counters);
        var body = await JsonAssert.ReadAsync(counters);
        Assert.True(body.TryGetProperty("hosts", out _), $"Expected the dashboard's counters, got {body}");
    }

    [Fact]
    public async Task BrowserWithoutSession_IsSentToSignIn()
    {
        using var client = NewBrowser(new CookieContainer());
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/dashboard/");
        request.Headers.Accept.ParseAdd("text/html");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/admin/dashboard/login", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task SignIn_WithToken_OpensDashboard()
    {
        var cookies = new CookieContainer();
        using var browser = NewBrowser(cookies);

        using var form = await browser.GetAsync("/admin/dashboard/login");
        using var signIn = await browser.PostAsync("/admin/dashboard/login", Form(SendoraServer.AdminToken));
        using var page = await browser.GetAsync("/admin/dashboard/");
        using var data = await browser.GetAsync("/admin/dashboard/ClusterStats");
        using var adminApi = await browser.GetAsync("/admin/v1/workspaces");

        await JsonAssert.StatusAsync(HttpStatusCode.OK, form);
        Assert.Contains("name=\"token\"", await form.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        var cookie = Assert.Single(cookies.GetCookies(new Uri(_server.BaseAddress, "/admin/dashboard/")));
        Assert.Equal("sendora_dashboard", cookie.Name);
        Assert.True(cookie.HttpOnly);
        Assert.DoesNotContain(SendoraServer.AdminToken, cookie.Value);
        Assert.InRange(cookie.Expires.ToUniversalTime(), DateTime.UtcNow.AddMinutes(55), DateTime.UtcNow.AddMinutes(65));
        await JsonAssert.StatusAsync(HttpStatusCode.OK, page);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, data);

        // The cookie is limited to the dashboard's path, so the admin API still requires the token.
        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, adminApi);
    }

    [Fact]
    public async Task SignIn_WithWrongToken_Returns401WithoutCookie()
    {
        var cookies = new CookieContainer();
        using var browser = NewBrowser(cookies);

        using var signIn = await browser.PostAsync("/admin/dashboard/login", Form("not-the-admin-token"));

        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, signIn);
        Assert.Contains("not valid", await signIn.Content.ReadAsStringAsync());
        Assert.Empty(cookies.GetCookies(new Uri(_server.BaseAddress, "/admin/dashboard/")));
    }

    [Fact]
    public async Task Session_TamperedOrSignedOut_Returns401()
    {
        var cookies = new CookieContainer();
        using var browser = NewBrowser(cookies);
        using var signIn = await browser.PostAsync("/admin/dashboard/login", Form(SendoraServer.AdminToken));
        var dashboard = new Uri(_server.BaseAddress, "/admin/dashboard/");
        var issued = Assert.Single(cookies.GetCookies(dashboard));
        var expiry = long.Parse(issued.Value[..issued.Value.IndexOf('.')], System.Globalization.CultureInfo.InvariantCulture);

        // A later expiry with the old signature must not pass.
        var tampered = new CookieContainer();
        tampered.Add(dashboard, new Cookie(issued.Name, $"{expiry + 3600}{issued.Value[issued.Value.IndexOf('.')..]}", "/admin/dashboard"));
        using var forger = NewBrowser(tampered);
        using var forged = await forger.GetAsync("/admin/dashboard/version");
        using var signOut = await browser.PostAsync("/admin/dashboard/logout", content: null);
        using var afterSignOut = await browser.GetAsync("/admin/dashboard/version");

        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, forged);
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Empty(cookies.GetCookies(dashboard));
        await JsonAssert.StatusAsync(HttpStatusCode.Unauthorized, afterSignOut);
    }

    private HttpClient NewBrowser(CookieContainer cookies) =>
        new(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = _server.BaseAddress };

    private static FormUrlEncodedContent Form(string token) => new([new KeyValuePair<string, string>("token", token)]);
}
