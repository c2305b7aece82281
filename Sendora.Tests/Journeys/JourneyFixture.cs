using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using MimeKit;
using Sendora.Grains;
using Sendora.Grains.Channels;
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
public sealed class JourneyWorkspace(AudienceWorkspace workspace, SmtpCapture smtp)
{
    public AudienceWorkspace Audiences { get; } = workspace;

    public string Id => Audiences.Id;

    public string JourneysPath => $"/admin/v1/workspaces/{Id}/journeys";

    public static Task<JourneyWorkspace> CreateAsync(JourneyFixture fixture) => CreateAsync(fixture.Server, fixture.Smtp);

    /// <summary>Creates a workspace on <paramref name="server"/> with the id <paramref name="id"/>, or a new unique one.</summary>
    public static async Task<JourneyWorkspace> CreateAsync(SendoraServer server, SmtpCapture smtp, string? id = null) =>
        new(await AudienceWorkspace.CreateAsync(server, id), smtp);

    public Task SendAsync(string path, string json) => Audiences.SendAsync(path, json);

    public Task<HttpResponseMessage> AdminAsync(HttpMethod method, string path, string json = "{}") =>
        Audiences.Server.SendAsAdminAsync(method, path, json);

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
        var grains = Audiences.Server.Services.GetRequiredService<IGrainFactory>();
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
        while (smtp.To(address).Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{smtp.To(address).Count} of {count} emails reached {address}.");
            }

            await Task.Delay(100);
        }

        await Task.Delay(300);
        return smtp.To(address);
    }

    /// <summary>Polls the journey's totals until <paramref name="done"/> holds for them, and returns the counters.</summary>
    public Task<JsonElement> CountersWhenAsync(string journeyId, Func<JsonElement, bool> done, TimeSpan? timeout = null) =>
        PollAsync(
            () => GetAsync($"{JourneysPath}/{journeyId}/counters"),
            counters => counters.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("total")).LastOrDefault() is
                { ValueKind: JsonValueKind.Object } total && done(total),
            counters => $"The journey's counters did not reach the expected values: {counters}",
            timeout);

    /// <summary>
    /// Polls a step's delivery log until <paramref name="done"/> returns true for its records, newest first, and returns them.
    /// </summary>
    public async Task<IReadOnlyList<JsonElement>> StepDeliveriesWhenAsync(
        string journeyId, string stepId, Func<IReadOnlyList<JsonElement>, bool> done, TimeSpan? timeout = null)
    {
        var page = await PollAsync(
            () => GetAsync($"{JourneysPath}/{journeyId}/steps/{stepId}/deliveries"),
            page => done([.. page.GetProperty("data").EnumerateArray()]),
            page => $"The delivery log of step {stepId} did not reach the expected state: {page}",
            timeout);
        return [.. page.GetProperty("data").EnumerateArray()];
    }

    /// <summary>Returns the one delivery of a step once its status is final (not queued, sending or retrying).</summary>
    public async Task<JsonElement> FinalDeliveryAsync(string journeyId, string stepId, TimeSpan? timeout = null)
    {
        var records = await StepDeliveriesWhenAsync(journeyId, stepId,
            records => records.Count > 0 && DeliveryStatuses.IsFinal(records[0].GetProperty("status").GetString()!), timeout);
        return Assert.Single(records);
    }

    private static Task<JsonElement> PollAsync(
        Func<Task<JsonElement>> read, Func<JsonElement, bool> done, Func<JsonElement, string> describe, TimeSpan? timeout) =>
        Poll.UntilAsync(read, done, describe, timeout ?? TimeSpan.FromSeconds(20));
}
