using Azure;
using Sendora.Grains;

namespace Sendora.Tests.Hosting;

/// <summary>Which storage failures count as a state too large for one record.</summary>
public sealed class StateTooLargeTests
{
    [Fact]
    public void Matches_OrleansSizeCheckInsideBridge()
    {
        var check = new ArgumentOutOfRangeException("GrainState.Size", "Data too large to write to Azure table. Size=1000000 MaxSize=983040");

        Assert.True(StateTooLarge.Matches(new OrleansException("Error from storage provider", check)));
    }

    [Fact]
    public void Matches_AzureEntityTooLarge()
    {
        var azure = new RequestFailedException(400, "The entity is larger than the maximum allowed size (1MB).", "EntityTooLarge", null);

        Assert.True(StateTooLarge.Matches(new OrleansException("Error from storage provider", azure)));
        Assert.True(StateTooLarge.Matches(new AggregateException(new TimeoutException(), azure)));
    }

    [Fact]
    public void Matches_OtherFailures_False()
    {
        Assert.False(StateTooLarge.Matches(new RequestFailedException(412, "Precondition failed", "UpdateConditionNotSatisfied", null)));
        Assert.False(StateTooLarge.Matches(new ArgumentOutOfRangeException("count")));
        Assert.False(StateTooLarge.Matches(new OrleansException("Error from storage provider", new TimeoutException())));
    }
}
