using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Sendora.Grains;
using Sendora.Grains.Admin;
using Sendora.Grains.Admin.Audit;
using Sendora.Grains.Audiences;
using Sendora.Grains.Ingestion;
using Sendora.Grains.Profiles;
using Sendora.Silo.Hosting;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Grains;

/// <summary>
/// The reminder that wakes a profile when a windowed audience condition can change: it is registered beside the
/// state write that needs it, and a registration that fails does not fail the message and is tried again.
/// </summary>
public sealed class WindowReminderTests(WindowReminderTests.Fixture fixture) : IClassFixture<WindowReminderTests.Fixture>
{
    private const string WindowReminder = "audience-windows";
    private static readonly TimeSpan Window = TimeSpan.FromDays(7);

    private readonly IGrainFactory _grains = fixture.Grains;
    private readonly string _workspaceId = "ws-" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task WindowedEnter_RegistersReminderAtWindowEnd()
    {
        await CreateWindowedAudienceAsync();
        var timestamp = DateTimeOffset.UtcNow.AddHours(-1);
        var profile = Profile("ada");

        await profile.ApplyAsync([Track("ada", timestamp)]);

        Assert.Equal(["buyers"], (await profile.GetMembershipsAsync()).Select(m => m.AudienceId));
        var reminder = await fixture.Reminders.ReadRow(profile.GetGrainId(), WindowReminder);
        Assert.NotNull(reminder);
        AssertNear(timestamp + Window, reminder.StartAt);

        // Ticks that fall due while no silo runs are skipped to the next period, so the period bounds the delay.
        Assert.Equal(TimeSpan.FromMinutes(1), reminder.Period);
    }

    [Fact]
    public async Task ReminderFailure_KeepsEnterRetriesLater()
    {
        await CreateWindowedAudienceAsync();
        var timestamp = DateTimeOffset.UtcNow.AddHours(-1);
        var profile = Profile("bob");
        SwitchableReminderTable.FailingWorkspaces[_workspaceId] = true;

        ApplyResult result;
        try
        {
            result = await profile.ApplyAsync([Track("bob", timestamp)]);
            Assert.Null(await fixture.Reminders.ReadRow(profile.GetGrainId(), WindowReminder));
        }
        finally
        {
            SwitchableReminderTable.FailingWorkspaces.TryRemove(_workspaceId, out _);
        }

        Assert.Equal(1, result.Applied);
        Assert.Equal(["buyers"], (await profile.GetMembershipsAsync()).Select(m => m.AudienceId));
        var reminder = await Poll.UntilAsync(
            () => fixture.Reminders.ReadRow(profile.GetGrainId(), WindowReminder),
            entry => entry is not null,
            _ => "The window reminder was not registered again after the reminder table recovered.",
            TimeSpan.FromSeconds(30));
        AssertNear(timestamp + Window, reminder!.StartAt);
    }

    private static void AssertNear(DateTimeOffset expected, DateTime actual) =>
        Assert.InRange(actual, expected.UtcDateTime.AddMinutes(-1), expected.UtcDateTime.AddMinutes(1));

    private async Task CreateWindowedAudienceAsync()
    {
        var workspace = _grains.GetGrain<IWorkspaceGrain>(_workspaceId);
        var stamp = AuditStamp.New("admin", DateTimeOffset.UtcNow);
        await workspace.CreateAsync("Window reminders", stamp);
        await workspace.SaveAudienceAsync(new AudienceDefinition
        {
            Id = "buyers",
            Name = "Buyers",
            ConditionJson = """{"event":"Order Completed","window":{"last":{"days":7}}}""",
            Enabled = true,
        }, [], stamp.ToEntry("audience.create", "audiences", null, null));
    }

    private IProfileGrain Profile(string userId) => _grains.GetGrain<IProfileGrain>(GrainKeys.Scoped(_workspaceId, "p-" + userId));

    private static TrackedMessage Track(string userId, DateTimeOffset timestamp)
    {
        var id = Guid.NewGuid().ToString("N");
        return new TrackedMessage
        {
            Type = MessageTypes.Track,
            Name = "Order Completed",
            MessageId = id,
            UserId = userId,
            Timestamp = timestamp,
            ReceivedAt = DateTimeOffset.UtcNow,
            SourceId = "src_window",
            Json = $$"""{"type":"track","event":"Order Completed","messageId":"{{id}}","userId":"{{userId}}"}""",
        };
    }

    /// <summary>A cluster on Redis whose reminder table fails the upserts of workspaces that a test names.</summary>
    public sealed class Fixture() : ProfileClusterFixture(StorageKind.Redis)
    {
        public IReminderTable Reminders => (Cluster.Primary as InProcessSiloHandle)?.SiloHost.Services
            .GetRequiredService<IReminderTable>()
            ?? throw new InvalidOperationException("The test cluster's primary silo is not in this process.");

        protected override void Configure(TestClusterBuilder builder) =>
            builder.AddSiloBuilderConfigurator<SwitchableRemindersConfigurator>();
    }

    public sealed class SwitchableRemindersConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            var services = siloBuilder.Services;
            var registered = services.Last(d => d.ServiceType == typeof(IReminderTable));
            services.Remove(registered);
            services.AddSingleton<IReminderTable>(provider => new SwitchableReminderTable(Create(provider, registered)));
        }

        private static IReminderTable Create(IServiceProvider provider, ServiceDescriptor registered) =>
            (IReminderTable)(registered.ImplementationInstance
                ?? registered.ImplementationFactory?.Invoke(provider)
                ?? ActivatorUtilities.CreateInstance(provider, registered.ImplementationType!));
    }

    /// <summary>Passes every call to the silo's reminder table, but fails the upserts of the workspaces listed.</summary>
    public sealed class SwitchableReminderTable(IReminderTable inner) : IReminderTable
    {
        public static readonly ConcurrentDictionary<string, bool> FailingWorkspaces = new(StringComparer.Ordinal);

        public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken = default) => inner.StopAsync(cancellationToken);

        public Task<ReminderTableData> ReadRows(GrainId grainId) => inner.ReadRows(grainId);

        public Task<ReminderTableData> ReadRows(uint begin, uint end) => inner.ReadRows(begin, end);

        public Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName) => inner.ReadRow(grainId, reminderName);

        public Task<string?> UpsertRow(ReminderEntry entry)
        {
            var key = entry.GrainId.Key.ToString() ?? string.Empty;
            return FailingWorkspaces.Keys.Any(workspace => key.StartsWith(workspace + "/", StringComparison.Ordinal))
                ? Task.FromException<string?>(new ReminderException($"The reminder table rejects {entry.ReminderName} in this test."))
                : inner.UpsertRow(entry);
        }

        public Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag) => inner.RemoveRow(grainId, reminderName, eTag);

        public Task TestOnlyClearTable() => inner.TestOnlyClearTable();
    }
}
