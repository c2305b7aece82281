using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Sendora.Grains.Profiles;

// Times the writes and reads of a profile's state with Orleans' serializer, as grain storage does them, for profiles
// of 10 traits and a given number of recent and history events. The event lists are measured twice in the same run:
// as the List<T> that Orleans writes field by field, and as the list types that Sendora writes in its own format.
BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine(exception.Message);
    return 2;
}

using var services = new ServiceCollection()
    .AddSerializer(builder => builder.AddAssembly(typeof(ProfileState).Assembly))
    .BuildServiceProvider();

var results = new List<CaseResult>();
foreach (var events in options.EventCounts)
{
    var state = SampleProfile.Create(events);
    var orleansLists = (new List<StoredEvent>(state.RecentEvents), new List<HistoryEvent>(state.Audiences.History));
    var sendoraLists = (state.RecentEvents, state.Audiences.History);
    results.Add(Measure(services, "Orleans lists", events, orleansLists, options.Seconds));
    results.Add(Measure(services, "Sendora lists", events, sendoraLists, options.Seconds));
    results.Add(Measure(services, "whole state", events, state, options.Seconds));
}

Console.WriteLine("| events | form | bytes | write µs | write bytes allocated | read µs | read bytes allocated |");
Console.WriteLine("|---|---|---|---|---|---|---|");
foreach (var result in results)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {result.Events} | {result.Form} | {result.Size:N0} | {result.WriteMicros:F2} | {result.WriteAllocated:N0} | {result.ReadMicros:F2} | {result.ReadAllocated:N0} |"));
}

Console.WriteLine();
foreach (var events in options.EventCounts)
{
    var orleans = results.Single(r => r.Events == events && r.Form == "Orleans lists");
    var sendora = results.Single(r => r.Events == events && r.Form == "Sendora lists");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{events} events: Sendora's lists write in {100 * sendora.WriteMicros / orleans.WriteMicros:F0}% and read in {100 * sendora.ReadMicros / orleans.ReadMicros:F0}% of the time of Orleans' lists."));
}

if (options.JsonPath is { } path)
{
    File.WriteAllText(path, JsonSerializer.Serialize(new { startedAt = options.StartedAt, options.Seconds, results }));
}

return 0;

static CaseResult Measure<T>(IServiceProvider services, string form, int events, T value, double seconds)
{
    var serializer = services.GetRequiredService<Serializer<T>>();
    var buffer = new ArrayBufferWriter<byte>(1 << 20);
    var bytes = serializer.SerializeToArray(value);

    // Runs both paths for a second first, so that tiered compilation has optimized them.
    Repeat(1, () => Write(serializer, buffer, value));
    Repeat(1, () => serializer.Deserialize(bytes));

    var (writeMicros, writeAllocated) = Repeat(seconds, () => Write(serializer, buffer, value));
    var (readMicros, readAllocated) = Repeat(seconds, () => serializer.Deserialize(bytes));
    return new CaseResult(events, form, bytes.Length, writeMicros, writeAllocated, readMicros, readAllocated);
}

static void Write<T>(Serializer<T> serializer, ArrayBufferWriter<byte> buffer, T value)
{
    buffer.ResetWrittenCount();
    serializer.Serialize(value, buffer);
}

// Returns the mean time in microseconds and the mean bytes allocated of one call, over about the given seconds.
static (double Micros, long Allocated) Repeat(double seconds, Action action)
{
    var watch = Stopwatch.StartNew();
    var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
    long calls = 0;
    while (watch.Elapsed.TotalSeconds < seconds)
    {
        for (var i = 0; i < 100; i++)
        {
            action();
        }

        calls += 100;
    }

    var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
    return (watch.Elapsed.TotalMicroseconds / calls, allocated / calls);
}

internal sealed record CaseResult(
    int Events, string Form, int Size, double WriteMicros, long WriteAllocated, double ReadMicros, long ReadAllocated);
