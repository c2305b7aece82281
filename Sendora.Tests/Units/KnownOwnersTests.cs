using Microsoft.Extensions.Options;
using Sendora.Gateway.Hosting;
using Sendora.Gateway.Identity;
using Sendora.Grains.Identity;
using Sendora.Tests.Tracking;

namespace Sendora.Tests.Units;

public sealed class KnownOwnersTests
{
    private static readonly ExternalIdKey User = new("user_id", "42");
    private static readonly ExternalIdKey Device = new("anonymous_id", "phone");

    private readonly SettableClock _clock = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void TryGetOwner_AllIdsOfOneProfile_ReturnsIt()
    {
        var owners = Create();
        owners.Remember("ws", [User, Device], "p_1");

        Assert.True(owners.TryGetOwner("ws", [Device, User], out var owner));
        Assert.Equal("p_1", owner);
    }

    [Fact]
    public void TryGetOwner_OneIdUnknownOrElsewhere_ReturnsFalse()
    {
        var owners = Create();
        owners.Remember("ws", [User], "p_1");

        Assert.False(owners.TryGetOwner("ws", [User, Device], out _));
        owners.Remember("ws", [Device], "p_2");
        Assert.False(owners.TryGetOwner("ws", [User, Device], out _));
        Assert.False(owners.TryGetOwner("other", [User], out _));
        Assert.False(owners.TryGetOwner("ws", [], out _));
    }

    [Fact]
    public void TryGetOwner_AfterDuration_ReturnsFalse()
    {
        var owners = Create(duration: TimeSpan.FromMinutes(1));
        owners.Remember("ws", [User], "p_1");

        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.True(owners.TryGetOwner("ws", [User], out _));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(owners.TryGetOwner("ws", [User], out _));
    }

    [Fact]
    public void Remember_PastSize_DropsOldestGeneration()
    {
        var owners = Create(size: 4);
        owners.Remember("ws", [new("user_id", "a"), new("user_id", "b")], "p_1");
        owners.Remember("ws", [new("user_id", "c"), new("user_id", "d")], "p_2");
        owners.Remember("ws", [new("user_id", "e"), new("user_id", "f")], "p_3");

        Assert.False(owners.TryGetOwner("ws", [new("user_id", "a")], out _));
        Assert.True(owners.TryGetOwner("ws", [new("user_id", "c")], out _));
        Assert.True(owners.TryGetOwner("ws", [new("user_id", "f")], out _));
    }

    [Fact]
    public void TryGetOwner_OlderGenerationEntryRead_SurvivesNextRotation()
    {
        var owners = Create(size: 4);
        owners.Remember("ws", [new("user_id", "a"), new("user_id", "b")], "p_1");
        owners.Remember("ws", [new("user_id", "c")], "p_2");
        Assert.True(owners.TryGetOwner("ws", [new("user_id", "a")], out _));

        owners.Remember("ws", [new("user_id", "d"), new("user_id", "e")], "p_3");

        Assert.True(owners.TryGetOwner("ws", [new("user_id", "a")], out _));
        Assert.False(owners.TryGetOwner("ws", [new("user_id", "b")], out _));
    }

    [Fact]
    public void Forget_DropsOnlyThoseIds()
    {
        var owners = Create();
        owners.Remember("ws", [User, Device], "p_1");
        owners.Remember("other", [User], "p_9");

        owners.Forget("ws", [Device]);
        Assert.False(owners.TryGetOwner("ws", [Device], out _));
        Assert.True(owners.TryGetOwner("ws", [User], out _));

        owners.ForgetWorkspace("ws");
        Assert.False(owners.TryGetOwner("ws", [User], out _));
        Assert.True(owners.TryGetOwner("other", [User], out var other));
        Assert.Equal("p_9", other);
    }

    [Fact]
    public void SizeZero_RemembersNothing()
    {
        var owners = Create(size: 0);
        owners.Remember("ws", [User], "p_1");

        Assert.False(owners.TryGetOwner("ws", [User], out _));
    }

    private KnownOwners Create(int size = 1_000, TimeSpan? duration = null) =>
        new(_clock, Options.Create(new GatewayOptions
        {
            IdOwnerCacheSize = size,
            IdOwnerCacheDuration = duration ?? TimeSpan.FromMinutes(1),
        }));
}
