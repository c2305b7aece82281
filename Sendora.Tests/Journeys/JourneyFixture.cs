using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Sendora.Grains;
using Sendora.Grains.Identity;
using Sendora.Tests.Audiences;
using Sendora.Tests.Channels;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Journeys;

/// <summary>A server on the real clock whose email channel points at an in-process SMTP server.</summary>
public sealed class JourneyFixture : IAsyncLifetime
{
    private SendoraServer? _server;

    public SmtpCapture Smtp { get; private set; } = null!;

    public SendoraServer Server => _server ?? throw new InvalidOperationException("The server has not started.");

    public async Task InitializeAsync()
    {
        Smtp = SmtpCapture.Start();
        _server = await SendoraServer.StartAsync(new Dictionary<string, string?>
        {
            ["Sendora:Channels:Email:Host"] = "127.0.0.1",
            ["Sendora:Channels:Email:Port"] = Smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["Sendora:Channels:Email:Security"] = "None",
            ["Sendora:Channels:Email:From"] = "Sendora Journeys <journeys@sendora.test>",
        });
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        await Smtp.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class JourneyCollection : ICollectionFixture<JourneyFixture>
{
    public const string Name = "journeys";
}

/// <summary>A workspace of its own with helpers for journeys: create and publish, wait for email, read counters and runs.</summary>
public sealed class JourneyWorkspace(AudienceWorkspace workspace, JourneyFixture fixture)
{
    public AudienceWorkspace Audiences { get; } = workspace;

    public string Id => Audiences.Id;

    public string JourneysPath => $"/admin/v1/workspaces/{Id}/journeys";

    public static async Task<JourneyWorkspace> CreateAsync(JourneyFixture fixture) =>
        new(await AudienceWorkspace.CreateAsync(fixture.Server), fixture);

    public Task SendAsync(string path, string json) => Audiences.SendAsync(path, json);

    public Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, string json = "{}") =>
        fixture.Server.SendAsAdminAsync(method, path, json);

    /// <summary>Creates a journey from <paramref name="definition"/> and publishes it.</summary>
    public async Task CreateAndPublishAsync(string journeyId, string definition)
    {
        using (var created = await AdminAsync(HttpMethod.Post, JourneysPath, $$"""{"id":"{{journeyId}}","definition":{{definition}}}"""))
        {
            await JsonAssert.StatusAsync(HttpStatusCode.Created, created);
        }

        await PublishAsync(journeyId);
    }

    public async Task<JsonElement> PublishAsync(string journeyId)
    {
        using var published = await AdminAsync(HttpMethod.Post, $"{JourneysPath}/{journeyId}/publish");
        await JsonAssert.StatusAsync(HttpStatusCode.OK, published);
        return await JsonAssert.ReadAsync(published);
    }

    public Task<JsonElement> GetAsync(string path) => Audiences.GetAsync(path);

    public async Task<string> ProfileIdAsync(string userId)
    {
        var grains = fixture.Server.Services.GetRequiredService<IGrainFactory>();
        return await grains.GetGrain<IIdentityGrain>(GrainKeys.ForExternalId(Id, "user_id", userId)).ResolveAsync()
            ?? throw new InvalidOperationException($"No profile has user_id {userId}.");
    }

    /// <summary>Returns the runs of a user in a journey, newest first.</summary>
    public async Task<List<JsonElement>> RunsAsync(string journeyId, string userId)
    {
        var body = await GetAsync($"{JourneysPath}/{journeyId}/runs/{await ProfileIdAsync(userId)}");
        return [.. body.GetProperty("data").EnumerateArray()];
    }

    /// <summary>Waits until <paramref name="count"/> emails reached <paramref name="address"/>, then a little longer for extra ones.</summary>
    public async Task<IReadOnlyList<MimeMessage>> EmailsAsync(string address, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (fixture.Smtp.To(address).Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{fixture.Smtp.To(address).Count} of {count} emails reached {address}.");
            }

            await Task.Delay(100);
        }

        await Task.Delay(300);
        return fixture.Smtp.To(address);
    }

    /// <summary>Polls the journey's totals until <paramref name="done"/> holds for them, and returns the counters.</summary>
    public async Task<JsonElement> CountersWhenAsync(string journeyId, Func<JsonElement, bool> done, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var counters = await GetAsync($"{JourneysPath}/{journeyId}/counters");
            var totals = counters.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("total")).ToList();
            if (totals.Count > 0 && done(totals[^1]))
            {
                return counters;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The journey's counters did not reach the expected values: {counters}");
            }

            await Task.Delay(100);
        }
    }
}
