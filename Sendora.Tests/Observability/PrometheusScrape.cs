using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Sendora.Tests.Infrastructure;

namespace Sendora.Tests.Observability;

/// <summary>The samples of one Prometheus text-format scrape, looked up by metric name and labels.</summary>
public sealed class PrometheusScrape
{
    private readonly List<Sample> _samples;

    private PrometheusScrape(string text, List<Sample> samples)
    {
        Text = text;
        _samples = samples;
    }

    /// <summary>The scrape as received, for failure messages.</summary>
    public string Text { get; }

    /// <summary>Scrapes the gateway's /metrics with the admin token.</summary>
    public static Task<PrometheusScrape> ReadAsync(SendoraServer server) => ReadAsync(server.Http);

    /// <summary>Scrapes /metrics of the gateway that <paramref name="http"/> points at, with the tests' admin token.</summary>
    public static async Task<PrometheusScrape> ReadAsync(HttpClient http)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", SendoraServer.AdminToken);
        using var response = await http.SendAsync(request);
        await JsonAssert.StatusAsync(HttpStatusCode.OK, response);
        return Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>
    /// Scrapes until <paramref name="condition"/> is true or 10 seconds pass, and returns the last scrape. The
    /// exporter caches a scrape for 300 ms, so a scrape right after another may not show the latest values yet.
    /// </summary>
    public static Task<PrometheusScrape> WaitForAsync(SendoraServer server, Func<PrometheusScrape, bool> condition) =>
        WaitForAsync(server.Http, condition);

    /// <summary>Scrapes as <see cref="WaitForAsync(SendoraServer, Func{PrometheusScrape, bool})"/> does, through <paramref name="http"/>.</summary>
    public static async Task<PrometheusScrape> WaitForAsync(HttpClient http, Func<PrometheusScrape, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            var scrape = await ReadAsync(http);
            if (condition(scrape) || DateTime.UtcNow > deadline)
            {
                return scrape;
            }

            await Task.Delay(100);
        }
    }

    public static PrometheusScrape Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith('#'))
            {
                samples.Add(ParseSample(line));
            }
        }

        return new PrometheusScrape(text, samples);
    }

    /// <summary>Returns whether any sample has the metric name <paramref name="name"/>.</summary>
    public bool Has(string name) => _samples.Exists(s => s.Name == name);

    /// <summary>
    /// Returns the value of the one sample named <paramref name="name"/> whose labels include all of
    /// <paramref name="labels"/>, or null when there is none. It throws when several match.
    /// </summary>
    public double? Value(string name, params (string Key, string Value)[] labels)
    {
        var matches = _samples
            .Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value))
            .ToList();
        if (matches.Count > 1)
        {
            throw new Xunit.Sdk.XunitException($"{matches.Count} samples of {name} match; add labels to pick one.\n{Text}");
        }

        return matches.Count == 1 ? matches[0].Value : null;
    }

    // A sample line is: name{label="value",...} value [timestamp]. Label values escape \, " and newline.
    private static Sample ParseSample(string line)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var brace = line.IndexOf('{');
        var space = line.IndexOf(' ');
        string name;
        int rest;
        if (brace >= 0 && brace < space)
        {
            name = line[..brace];
            rest = ReadLabels(line, brace + 1, labels);
        }
        else
        {
            name = line[..space];
            rest = space;
        }

        var value = line[rest..].Trim().Split(' ')[0];
        return new Sample(name, labels, double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture));
    }

    private static int ReadLabels(string line, int index, Dictionary<string, string> labels)
    {
        while (line[index] != '}')
        {
            var equals = line.IndexOf('=', index);
            var key = line[index..equals].Trim(',', ' ');
            var value = new StringBuilder();
            index = equals + 2;
            while (line[index] != '"')
            {
                if (line[index] == '\\')
                {
                    index++;
                    value.Append(line[index] == 'n' ? '\n' : line[index]);
                }
                else
                {
                    value.Append(line[index]);
                }

                index++;
            }

            labels[key] = value.ToString();
            index++;
            if (line[index] == ',')
            {
                index++;
            }
        }

        return index + 1;
    }

    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);
}
