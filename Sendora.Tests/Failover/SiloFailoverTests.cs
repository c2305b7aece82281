using System.Collections.Concurrent;
using Sendora.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Sendora.Tests.Failover;

/// <summary>
/// Three silo processes and a gateway process on Azurite under steady tracking load, with one silo killed by SIGKILL
/// in the middle: every acknowledged message is in its profile once, and the profiles move to the silos left.
/// </summary>
public sealed class SiloFailoverTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int ProfileCount = 24;
    private const int SenderCount = 4;
    private const int BatchSize = 3;
    private const string SiloPortVariable = "Sendora__Cluster__SiloPort";

    private static readonly TimeSpan LoadBeforeKill = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan LoadAfterKill = TimeSpan.FromSeconds(25);

    private readonly string _runId = Guid.NewGuid().ToString("N")[..8];
    private readonly ConcurrentDictionary<string, ConcurrentBag<string>> _sent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ConcurrentBag<string>> _acknowledged = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<string> _abandoned = [];
    private readonly List<SendoraProcess> _silos = [];
    private SendoraCluster? _cluster;

    private SendoraCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public async Task InitializeAsync()
    {
        _cluster = await SendoraCluster.StartAsync(new Dictionary<string, string>
        {
            // Every event stays listed, so that the event list shows each applied message.
            ["Sendora__Profiles__RecentEventLimit"] = "5000",
        });
        _silos.Add(_cluster.Silo!);
        _silos.Add(_cluster.StartAdditionalSilo());
        _silos.Add(_cluster.StartAdditionalSilo());
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    [Fact]
    public async Task SiloKilledUnderLoad_AcknowledgedMessagesAppliedOnce()
    {
        var reader = new ClusterReader(Cluster.Http);
        var sender = new RetryingSender(Cluster.Http, Cluster.WriteKey, giveUpAfter: TimeSpan.FromSeconds(90));
        var users = Enumerable.Range(0, ProfileCount).Select(i => $"failover-{_runId}-{i}").ToArray();
        await reader.WaitForActiveSilosAsync(3, TimeSpan.FromSeconds(120));
        foreach (var user in users)
        {
            Assert.True(await SendTrackAsync(sender, user, $"{_runId}-warm-{user}"), $"The first track of {user} failed.");
        }

        var victimAddress = await BusiestSiloAsync(reader, users);
        var victim = _silos.Single(silo => victimAddress.StartsWith(
            $"127.0.0.1:{silo.Environment[SiloPortVariable]}@", StringComparison.Ordinal));

        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, SenderCount)
            .Select(index => Task.Run(() => SendLoadAsync(sender, users, index, stop.Token)))
            .ToArray();
        await Task.Delay(LoadBeforeKill);
        await victim.KillAsync();
        await Task.Delay(LoadAfterKill);
        await stop.CancelAsync();
        await Task.WhenAll(load);

        output.WriteLine($"Requests: {sender.Outcomes.Count}, answered 503: {sender.Unavailable}, " +
                         $"messages acknowledged: {_acknowledged.Values.Sum(ids => ids.Count)}");
        var unexpected = sender.UnexpectedOutcomes();
        Assert.True(unexpected.Count == 0, "Responses other than 200 and 503 with Retry-After: " + string.Join("; ", unexpected));
        Assert.True(_abandoned.IsEmpty, "Messages still not acknowledged after 90 s of retries: " + string.Join(", ", _abandoned));

        var statuses = await Poll.UntilAsync(
            reader.SiloStatusesAsync,
            silos => silos.GetValueOrDefault(victimAddress) == "Dead",
            silos => $"The killed silo {victimAddress} was not declared dead: {string.Join(", ", silos)}",
            TimeSpan.FromSeconds(120));
        var survivors = statuses.Where(silo => silo.Value == "Active").Select(silo => silo.Key).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(2, survivors.Count);

        foreach (var user in users)
        {
            await AssertAppliedOnceAsync(reader, user, survivors);
        }
    }

    private async Task AssertAppliedOnceAsync(ClusterReader reader, string user, HashSet<string> survivors)
    {
        var events = await reader.EventMessageIdsAsync("user_id:" + user);
        var repeated = events.GroupBy(id => id, StringComparer.Ordinal).Where(group => group.Count() > 1).Select(group => group.Key);
        Assert.True(events.Count == events.Distinct(StringComparer.Ordinal).Count(),
            $"{user} lists these messageIds more than once: {string.Join(", ", repeated)}");

        var missing = _acknowledged.GetValueOrDefault(user, []).Except(events, StringComparer.Ordinal).ToList();
        Assert.True(missing.Count == 0, $"{user} lacks acknowledged messages: {string.Join(", ", missing)}");

        var unknown = events.Except(_sent.GetValueOrDefault(user, []), StringComparer.Ordinal).ToList();
        Assert.True(unknown.Count == 0, $"{user} lists messages never sent to it: {string.Join(", ", unknown)}");

        var grain = await reader.InspectProfileAsync("user_id:" + user);
        Assert.Equal(events.Count, grain.GetProperty("state").GetProperty("appliedCount").GetInt64());
        var silo = grain.GetProperty("silo").GetString()!;
        Assert.True(survivors.Contains(silo), $"{user} is active on {silo}, which is not one of {string.Join(", ", survivors)}");
    }

    /// <summary>Returns the address of the silo that hosts the most of <paramref name="users"/>' profiles.</summary>
    private static async Task<string> BusiestSiloAsync(ClusterReader reader, string[] users)
    {
        var hosts = new List<string>();
        foreach (var user in users)
        {
            var grain = await reader.InspectProfileAsync("user_id:" + user);
            hosts.Add(grain.GetProperty("silo").GetString()!);
        }

        return hosts.GroupBy(host => host, StringComparer.Ordinal).MaxBy(group => group.Count())!.Key;
    }

    private async Task SendLoadAsync(RetryingSender sender, string[] users, int senderIndex, CancellationToken stop)
    {
        var random = new Random(senderIndex);
        for (var request = 0; !stop.IsCancellationRequested; request++)
        {
            var messageId = $"{_runId}-{senderIndex}-{request}";
            if (random.Next(5) > 0)
            {
                await SendTrackAsync(sender, users[random.Next(users.Length)], messageId);
                continue;
            }

            var batch = Enumerable.Range(0, BatchSize)
                .Select(item => (User: users[random.Next(users.Length)], MessageId: $"{messageId}-{item}"))
                .ToList();
            await SendBatchAsync(sender, batch);
        }
    }

    private async Task<bool> SendTrackAsync(RetryingSender sender, string user, string messageId)
    {
        Record(_sent, user, messageId);
        var body = $$"""{"userId":"{{user}}","event":"Item Viewed","properties":{"sku":"s-1"},"messageId":"{{messageId}}"}""";
        if (!await sender.SendAsync("/v1/track", body))
        {
            _abandoned.Add(messageId);
            return false;
        }

        Record(_acknowledged, user, messageId);
        return true;
    }

    private async Task SendBatchAsync(RetryingSender sender, List<(string User, string MessageId)> batch)
    {
        foreach (var (user, messageId) in batch)
        {
            Record(_sent, user, messageId);
        }

        var items = batch.Select(item =>
            $$"""{"type":"track","userId":"{{item.User}}","event":"Item Viewed","messageId":"{{item.MessageId}}"}""");
        if (!await sender.SendAsync("/v1/batch", "{\"batch\":[" + string.Join(",", items) + "]}"))
        {
            _abandoned.Add(string.Join(" ", batch.Select(item => item.MessageId)));
            return;
        }

        foreach (var (user, messageId) in batch)
        {
            Record(_acknowledged, user, messageId);
        }
    }

    private static void Record(ConcurrentDictionary<string, ConcurrentBag<string>> ledger, string user, string messageId) =>
        ledger.GetOrAdd(user, _ => []).Add(messageId);
}
