using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Clients;

/// <summary>
/// Drives @segment/analytics-node, changed only in its host, through tools/clients/segment-node.mjs
/// and reads what arrived through the profile API.
/// </summary>
[Collection(SendoraCollection.Name)]
public sealed class SegmentNodeTests(SendoraFixture fixture)
{
    private const string Script = "segment-node.mjs";
    private const string Sdk = "segment-node";
    private const string Package = "@segment/analytics-node";
    private const string LibraryName = "@segment/analytics-node";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private readonly SendoraServer _server = fixture.Server;

    [Fact]
    public async Task SegmentNode_EveryCallType_StoredAsSent()
    {
        NodeScript.RequirePackage(Package);
        var calls = SampleCalls.Create(Sdk);

        var started = DateTimeOffset.UtcNow;
        var run = await NodeScript.RunAsync(Script, calls.Arguments(_server), Timeout);
        var ended = DateTimeOffset.UtcNow;

        run.AssertSucceeded();
        calls.AssertReported(run.ReadResult(), Sdk);
        var profile = await StoredProfile.ReadAsync(_server, "user_id:" + calls.UserId);
        calls.AssertStored(profile, LibraryName, started, ended);
        var byAnonymousId = await StoredProfile.ReadAsync(_server, "anonymous_id:" + calls.AnonymousId);
        Assert.Equal(profile.MessageIds(), byAnonymousId.MessageIds());
    }

    [Fact]
    public async Task SegmentNode_SentTwice_StoredOnce()
    {
        NodeScript.RequirePackage(Package);
        var calls = SampleCalls.Create(Sdk);

        var started = DateTimeOffset.UtcNow;
        var first = await NodeScript.RunAsync(Script, calls.Arguments(_server), Timeout);
        first.AssertSucceeded();
        var firstEnded = DateTimeOffset.UtcNow;
        var afterFirst = await StoredProfile.ReadAsync(_server, "user_id:" + calls.UserId);
        var second = await NodeScript.RunAsync(Script, calls.Arguments(_server), Timeout);
        second.AssertSucceeded();

        // The repeated calls are dropped, so the events keep the first run's receivedAt and timestamps.
        var afterSecond = await StoredProfile.ReadAsync(_server, "user_id:" + calls.UserId);
        calls.AssertStored(afterSecond, LibraryName, started, firstEnded);
        Assert.Equal(afterFirst.Events.Select(e => e.GetRawText()), afterSecond.Events.Select(e => e.GetRawText()));
    }
}
