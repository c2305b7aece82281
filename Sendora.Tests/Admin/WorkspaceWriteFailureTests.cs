using Microsoft.Extensions.DependencyInjection;
using Sendora.Grains.Admin;
using Sendora.Grains.Admin.Audit;
using Sendora.Grains.Audiences;
using Sendora.Tests.Audiences;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Admin;

/// <summary>A workspace whose state fails to persist, here because one entity cannot store it.</summary>
[Collection(SendoraCollection.Name)]
public sealed class WorkspaceWriteFailureTests(SendoraFixture fixture)
{
    [Fact]
    public async Task SaveAudience_FailedWrite_LeavesWorkspaceWritable()
    {
        var workspace = await AudienceWorkspace.CreateAsync(fixture.Server);
        var grain = fixture.Server.Services.GetRequiredService<IGrainFactory>().GetGrain<IWorkspaceGrain>(workspace.Id);
        var oversized = Audience("oversized", new string('n', 2_000_000));

        await Assert.ThrowsAnyAsync<Exception>(() => grain.SaveAudienceAsync(oversized, [], Change()));
        await grain.SaveAudienceAsync(Audience("small", "small"), [], Change());

        var ids = (await grain.GetCatalogAsync()).Audiences.Select(a => a.Id);
        Assert.Equal(["small"], ids);
    }

    private static AudienceDefinition Audience(string id, string name) => new()
    {
        Id = id,
        Name = name,
        ConditionJson = """{"trait":"plan","operator":"exists"}""",
        Enabled = true,
    };

    private static AuditEntry Change() =>
        AuditStamp.New("admin", DateTimeOffset.UtcNow).ToEntry("audience.create", "audiences", null, null);
}
