using Microsoft.Extensions.Options;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Profiles;

/// <summary>The checks of the Sendora:Profiles options when a server starts.</summary>
public sealed class ProfileOptionsTests
{
    [Fact]
    public async Task Start_PackAfterIdlePastLimit_StopsWithTheKey()
    {
        var start = SendoraServer.StartAsync(new Dictionary<string, string?>
        {
            ["Sendora:Profiles:PackAfterIdle"] = "60.00:00:00",
        });

        var exception = await Assert.ThrowsAsync<OptionsValidationException>(() => start);

        Assert.Contains("Sendora:Profiles:PackAfterIdle must be at most 1.00:00:00", exception.Message, StringComparison.Ordinal);
    }
}
