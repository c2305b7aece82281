using Sendora.Grains;
using Sendora.Grains.Identity;

namespace Sendora.Tests.Grains;

public abstract class IdentityGrainTests(ProfileClusterFixture fixture)
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly IGrainFactory _grains = fixture.Grains;
    private readonly string _workspaceId = "ws-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task Move_UnownedId_ClaimsIt()
    {
        var identity = Identity("d1");

        var move = await identity.MoveAsync("p-b", Start);

        Assert.Equal(new IdentityMove("p-b", null), move);
        Assert.Equal("p-b", await identity.ResolveAsync());
        Assert.False(await identity.HasMovedAsync());
    }

    [Fact]
    public async Task Move_NewerMessage_TakesIdFromOwner()
    {
        var identity = Identity("d2");
        await identity.ClaimAsync("p-a", Start);

        var move = await identity.MoveAsync("p-b", Start.AddMinutes(1));

        Assert.Equal(new IdentityMove("p-b", "p-a"), move);
        Assert.Equal("p-b", await identity.ResolveAsync());
        Assert.True(await identity.HasMovedAsync());
    }

    [Fact]
    public async Task Move_SameTimestamp_TakesIdFromOwner()
    {
        var identity = Identity("d3");
        await identity.ClaimAsync("p-a", Start);

        var move = await identity.MoveAsync("p-b", Start);

        Assert.Equal(new IdentityMove("p-b", "p-a"), move);
    }

    [Fact]
    public async Task Move_OlderThanLastMove_KeepsOwner()
    {
        var identity = Identity("d4");
        await identity.ClaimAsync("p-a", Start);
        await identity.MoveAsync("p-b", Start.AddMinutes(2));

        var move = await identity.MoveAsync("p-a", Start.AddMinutes(1));

        Assert.Equal(new IdentityMove("p-b", null), move);
        Assert.Equal("p-b", await identity.ResolveAsync());
    }

    [Fact]
    public async Task Move_ToCurrentOwner_ChangesNothing()
    {
        var identity = Identity("d5");
        await identity.ClaimAsync("p-a", Start.AddMinutes(1));

        var move = await identity.MoveAsync("p-a", Start);

        Assert.Equal(new IdentityMove("p-a", null), move);
        Assert.False(await identity.HasMovedAsync());
    }

    [Fact]
    public async Task Claim_OwnedId_ReturnsFirstOwner()
    {
        var identity = Identity("d6");
        await identity.ClaimAsync("p-a", Start.AddMinutes(1));

        Assert.Equal("p-a", await identity.ClaimAsync("p-b", Start.AddMinutes(2)));

        // The rejected claim left the stored timestamp alone, so a move between the two still succeeds.
        Assert.Equal(new IdentityMove("p-c", "p-a"), await identity.MoveAsync("p-c", Start.AddMinutes(1.5)));
    }

    private IIdentityGrain Identity(string value) =>
        _grains.GetGrain<IIdentityGrain>(GrainKeys.ForExternalId(_workspaceId, "anonymous_id", value));
}
