using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Sendora.Grains;
using Sendora.Grains.Admin;
using Sendora.Grains.Journeys.Templates;
using Sendora.Tests.Infrastructure;
using static Sendora.Tests.Journeys.Templates.TemplateWorkspace;

namespace Sendora.Tests.Journeys.Templates;

/// <summary>
/// The template grain is the truth and the directory its listing. A directory entry that a failed update left
/// missing or stale is written again by the template's next save or delete.
/// </summary>
[Collection(SendoraCollection.Name)]
public sealed class TemplateDirectoryTests(SendoraFixture fixture)
{
    private IGrainFactory Grains => fixture.Server.Services.GetRequiredService<IGrainFactory>();

    [Fact]
    public async Task Save_RestoresMissingDirectoryEntry()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        await workspace.CreateAsync(Email(("id", "welcome")));
        await Grains.GetGrain<ITemplateDirectoryGrain>(workspace.Id).RemoveAsync("welcome");
        Assert.Empty(await workspace.ListIdsAsync());

        await workspace.UpdateAsync("welcome", Email(("id", "welcome"), ("subject", "Again")));

        var list = await workspace.GetAsync(workspace.TemplatesPath);
        var summary = Assert.Single(list.GetProperty("data").EnumerateArray());
        Assert.Equal("welcome", summary.GetProperty("id").GetString());
        Assert.Equal(2, summary.GetProperty("version").GetInt32());
    }

    [Fact]
    public async Task Delete_RemovesStaleEntryOfMissingTemplate()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        await Grains.GetGrain<ITemplateDirectoryGrain>(workspace.Id)
            .SetAsync(new TemplateSummary("ghost", "Ghost", "email", 4, DateTimeOffset.UtcNow));
        Assert.Equal(["ghost"], await workspace.ListIdsAsync());

        using var delete = await workspace.DeleteAsync("ghost");

        await JsonAssert.StatusAsync(HttpStatusCode.NotFound, delete);
        Assert.Empty(await workspace.ListIdsAsync());
    }

    [Fact]
    public async Task Grain_ChannelChange_Throws()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        var grain = Grains.GetGrain<ITemplateGrain>(GrainKeys.Scoped(workspace.Id, "welcome"));
        await grain.CreateAsync(EmailRecord("welcome"));

        var push = new TemplateRecord { Id = "welcome", Name = "Push", Channel = "push", Title = "t", Body = "b" };
        var exception = await Assert.ThrowsAsync<ArgumentException>(() => grain.SaveAsync(push));

        Assert.Contains("channel", exception.Message);
        Assert.Equal("email", (await grain.GetAsync())!.Channel);
    }

    [Fact]
    public async Task Grain_InvalidTemplate_ThrowsAndStoresNothing()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        var grain = Grains.GetGrain<ITemplateGrain>(GrainKeys.Scoped(workspace.Id, "welcome"));

        var invalid = EmailRecord("welcome") with { Subject = "{% if %}" };
        var exception = await Assert.ThrowsAsync<ArgumentException>(() => grain.SaveAsync(invalid));
        await Assert.ThrowsAsync<ArgumentException>(() => grain.SaveAsync(EmailRecord("other")));

        Assert.StartsWith("'subject' must be a Liquid template", exception.Message);
        Assert.Null(await grain.GetAsync());
        Assert.Empty(await workspace.ListIdsAsync());
    }

    [Fact]
    public async Task Grain_CreateTwice_ThrowsConflict()
    {
        var workspace = await TemplateWorkspace.CreateAsync(fixture.Server);
        var grain = Grains.GetGrain<ITemplateGrain>(GrainKeys.Scoped(workspace.Id, "welcome"));
        var first = await grain.CreateAsync(EmailRecord("welcome"));

        var second = EmailRecord("welcome") with { Name = "Second" };
        await Assert.ThrowsAsync<AdminConflictException>(() => grain.CreateAsync(second));

        Assert.Equal(first, await grain.GetAsync());
        Assert.Equal(1, first.Version);
    }

    private static TemplateRecord EmailRecord(string id) => new()
    {
        Id = id,
        Name = "Welcome",
        Channel = "email",
        Subject = "Hi {{ traits.first_name }}",
        TextBody = "Hello",
    };
}
