using System.Reflection;
using Sendora.Gateway.Hosting;
using Sendora.Grains.Identity;

namespace Sendora.Tests.Units;

public sealed class IdentityCollectionTests
{
    [Fact]
    public void CollectionAge_IsTwiceOwnerCache()
    {
        var age = typeof(IdentityGrain).GetCustomAttribute<CollectionAgeLimitAttribute>()?.AgeLimit;
        var remembered = new GatewayOptions().IdOwnerCacheDuration;

        // An id in use reaches its grain once per remembered owner, so the activation outlives that interval. A much
        // longer age would keep a second activation for every person who stopped sending.
        Assert.NotNull(age);
        Assert.Equal(2 * remembered, age);
    }
}
