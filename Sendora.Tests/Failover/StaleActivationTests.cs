using Azure.Data.Tables;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Failover;

/// <summary>
/// A profile activation whose stored row was written by someone else since it read it, as a second activation of
/// the same profile would: its write fails on the ETag, it acknowledges nothing, and a fresh activation takes over.
/// </summary>
public sealed class StaleActivationTests
{
    // The table name of AzureStorageSettings.GrainStateTable's default.
    private const string GrainStateTable = "SendoraGrainState";

    [Fact]
    public async Task ProfileWrite_RowChangedElsewhere_Returns503ThenAppliesOnce()
    {
        await using var azurite = await Azurite.StartAsync();
        await using var server = await SendoraServer.StartAsync(connectionString: azurite.ConnectionString);
        var sender = new RetryingSender(server.Http, server.WriteKey, giveUpAfter: TimeSpan.FromSeconds(60));
        var reader = new ClusterReader(server.Http);
        var user = "stale-" + Guid.NewGuid().ToString("N")[..8];
        Assert.True(await sender.SendAsync("/v1/track", Track(user, "first")), "The first track was not acknowledged.");

        var grain = await reader.InspectProfileAsync("user_id:" + user);
        var activation = grain.GetProperty("activationId").GetString();
        await TouchStoredRowAsync(azurite.ConnectionString, ProfileKey(grain.GetProperty("grainId").GetString()!));
        Assert.True(await sender.SendAsync("/v1/track", Track(user, "second")), "The second track was not acknowledged.");

        Assert.StartsWith("503 Retry-After=", sender.Outcomes.ElementAt(1), StringComparison.Ordinal);
        Assert.Empty(sender.UnexpectedOutcomes());
        var events = await reader.EventMessageIdsAsync("user_id:" + user);
        Assert.Equal(["first-" + user, "second-" + user], events.Order(StringComparer.Ordinal));
        var reloaded = await reader.InspectProfileAsync("user_id:" + user);
        Assert.NotEqual(activation, reloaded.GetProperty("activationId").GetString());
        Assert.Equal(2, reloaded.GetProperty("state").GetProperty("appliedCount").GetInt64());
    }

    private static string Track(string user, string name) =>
        $$"""{"userId":"{{user}}","event":"Item Viewed","messageId":"{{name}}-{{user}}"}""";

    // A grain id such as "profile/default/p_1a2b" ends with the profile's own id, which the stored row's keys contain.
    private static string ProfileKey(string grainId) => grainId[(grainId.LastIndexOf('/') + 1)..];

    /// <summary>Rewrites the profile's stored row unchanged, which gives it a new ETag.</summary>
    private static async Task TouchStoredRowAsync(string connectionString, string profileKey)
    {
        var table = new TableClient(connectionString, GrainStateTable);
        var rows = new List<TableEntity>();
        await foreach (var row in table.QueryAsync<TableEntity>())
        {
            if (row.PartitionKey.Contains(profileKey, StringComparison.Ordinal) || row.RowKey.Contains(profileKey, StringComparison.Ordinal))
            {
                rows.Add(row);
            }
        }

        var profileRow = Assert.Single(rows);
        await table.UpdateEntityAsync(profileRow, profileRow.ETag, TableUpdateMode.Replace);
    }
}
