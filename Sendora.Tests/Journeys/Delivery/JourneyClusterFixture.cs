using System.Globalization;
using Azure.Data.Tables;
using Sendora.Tests.Channels;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Journeys.Delivery;

/// <summary>
/// A <see cref="SendoraCluster"/> of separate silo and gateway processes whose email channel points at an SMTP server
/// in this process, so that a test can kill the silo in the middle of a journey.
/// </summary>
public sealed class JourneyClusterFixture : IAsyncLifetime
{
    // The table Orleans keeps reminders in when its Azure Table reminder service has no table name set.
    private const string ReminderTable = "OrleansReminders";

    private SendoraCluster? _cluster;

    public SmtpCapture Smtp { get; private set; } = null!;

    public SendoraCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public async Task InitializeAsync()
    {
        Smtp = SmtpCapture.Start();
        _cluster = await SendoraCluster.StartAsync(new Dictionary<string, string>
        {
            ["Sendora__Channels__Email__Host"] = "127.0.0.1",
            ["Sendora__Channels__Email__Port"] = Smtp.Port.ToString(CultureInfo.InvariantCulture),
            ["Sendora__Channels__Email__Security"] = "None",
            ["Sendora__Channels__Email__From"] = "Sendora Journeys <journeys@sendora.test>",
            ["Sendora__Audiences__CatalogRefreshInterval"] = "00:00:00.050",
        });
    }

    /// <summary>Kills the silo with SIGKILL, runs <paramref name="whileDown"/>, then starts a new silo and waits until it serves.</summary>
    public async Task RestartSiloAsync(Action? whileDown = null)
    {
        await Cluster.Silo!.KillAsync();
        whileDown?.Invoke();
        Cluster.StartSilo();
        await Cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(90));
    }

    /// <summary>
    /// Returns the grain ids of the reminders named <paramref name="reminderName"/> that grains of workspace
    /// <paramref name="workspaceId"/> have registered, read from the silo's reminder table in Azurite.
    /// </summary>
    public async Task<List<string>> RemindersAsync(string workspaceId, string reminderName)
    {
        var table = new TableClient(Cluster.Azurite.ConnectionString, ReminderTable);
        var grains = new List<string>();
        await foreach (var row in table.QueryAsync<TableEntity>(e => e.GetString("ReminderName") == reminderName))
        {
            var grain = row.GetString("GrainReference");
            if (grain.Contains($"{workspaceId}/", StringComparison.Ordinal))
            {
                grains.Add(grain);
            }
        }

        return grains;
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        await Smtp.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class JourneyClusterCollection : ICollectionFixture<JourneyClusterFixture>
{
    public const string Name = "journey-cluster";
}
