using System.Globalization;

/// <summary>The options of the state benchmark, from its command line.</summary>
internal sealed record BenchOptions(IReadOnlyList<int> EventCounts, double Seconds, string? JsonPath, DateTimeOffset StartedAt)
{
    public const string Usage = "options: --events N[,N...] (default 20,100, each 1 to 10000) --seconds S (default 2, 0.1 to 60) --json FILE";

    public static BenchOptions Parse(string[] args)
    {
        IReadOnlyList<int> events = [20, 100];
        var seconds = 2.0;
        string? json = null;
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value. {Usage}");
            switch (args[i])
            {
                case "--events":
                    events = [.. value.Split(',').Select(ParseEvents)];
                    break;
                case "--seconds":
                    seconds = double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && parsed is >= 0.1 and <= 60
                        ? parsed
                        : throw new ArgumentException($"--seconds must be a number from 0.1 to 60, not '{value}'. {Usage}");
                    break;
                case "--json":
                    json = value;
                    break;
                default:
                    throw new ArgumentException($"Unknown option '{args[i]}'. {Usage}");
            }

            i++;
        }

        return new BenchOptions(events, seconds, json, DateTimeOffset.UtcNow);
    }

    private static int ParseEvents(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count is >= 1 and <= 10_000
            ? count
            : throw new ArgumentException($"--events takes counts from 1 to 10000, not '{text}'. {Usage}");
}
