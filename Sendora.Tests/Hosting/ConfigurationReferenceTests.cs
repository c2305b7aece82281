using System.ComponentModel;
using System.Globalization;
using Sendora.Gateway.Hosting;
using Sendora.Gateway.Tracking;
using Sendora.Grains.Channels;
using Sendora.Silo.Hosting;

namespace Sendora.Tests.Hosting;

/// <summary>
/// docs/configuration.md lists exactly the settings of the options classes, with their types and defaults.
/// </summary>
public sealed class ConfigurationReferenceTests
{
    /// <summary>Keys read directly from configuration rather than through an options class.</summary>
    private static readonly string[] PlainKeys =
    [
        "SENDORA_ADMIN_TOKEN",
        "SENDORA_WRITE_KEY",
        "Urls",
        "Logging:LogLevel:{}",
    ];

    private static readonly Dictionary<Type, string> TypeNames = new()
    {
        [typeof(bool)] = "bool",
        [typeof(int)] = "int",
        [typeof(long)] = "long",
        [typeof(double)] = "double",
        [typeof(decimal)] = "decimal",
        [typeof(string)] = "string",
    };

    private static readonly IReadOnlyList<OptionsSetting> Settings = OptionsSettingScanner.FindSettings();

    private static readonly IReadOnlyList<ReferenceRow> Rows = ConfigurationReferencePage.ReadRows();

    [Fact]
    public void Scanner_FindsKnownOptionsClasses()
    {
        var classes = OptionsSettingScanner.FindOptionsClasses();

        Assert.Contains(typeof(SendoraHostOptions), classes);
        Assert.Contains(typeof(GatewayOptions), classes);
        Assert.Contains(typeof(IngestionOptions), classes);
        Assert.Contains(typeof(ChannelOptions), classes);
        Assert.Contains(Settings, setting => setting.Key == "Sendora:Channels:Email:Port");
        Assert.Contains(Settings, setting => setting.Key == "Sendora:Channels:Workspaces:{}:QuietHours:StartHour");
        Assert.Contains(Settings, setting => setting.Key == "Sendora:Gateway:AdminTokens:{}");
    }

    [Fact]
    public void Page_ListsEveryOptionsSetting()
    {
        var listed = Rows
            .Select(row => ConfigurationReferencePage.NormalizeKey(row.Key))
            .ToHashSet(StringComparer.Ordinal);

        var missing = Settings.Select(setting => setting.Key).Where(key => !listed.Contains(key)).ToList();

        Assert.True(
            missing.Count == 0,
            $"{ConfigurationReferencePage.PathInRepository} does not list these settings; add a row for each "
            + $"({OptionsSettingScanner.Placeholder} is a dictionary key or list index):\n  "
            + string.Join("\n  ", missing));
    }

    [Fact]
    public void Page_ListsOnlyExistingSettings()
    {
        var known = Settings.Select(setting => setting.Key).Concat(PlainKeys).ToHashSet(StringComparer.Ordinal);

        var unknown = Rows
            .Where(row => !known.Contains(ConfigurationReferencePage.NormalizeKey(row.Key)))
            .Select(row => $"line {row.Line}: {row.Key}")
            .ToList();

        Assert.True(
            unknown.Count == 0,
            $"{ConfigurationReferencePage.PathInRepository} lists settings that no options class has; remove them, "
            + "or add a key read outside options classes to PlainKeys:\n  " + string.Join("\n  ", unknown));
    }

    [Fact]
    public void Page_ListsEachKeyOnce()
    {
        var repeated = Rows
            .GroupBy(row => row.Key, StringComparer.Ordinal)
            .Where(group => group.Count() > 1)
            .Select(group => $"{group.Key} on lines {string.Join(", ", group.Select(row => row.Line))}")
            .ToList();

        Assert.True(repeated.Count == 0, "Keys listed more than once:\n  " + string.Join("\n  ", repeated));
    }

    [Fact]
    public void Page_Types_MatchOptionsClasses()
    {
        var mismatches = new List<string>();
        foreach (var (setting, row) in SettingsWithRows())
        {
            var expected = TypeName(setting.Type);
            if (!string.Equals(row.Type, expected, StringComparison.Ordinal))
            {
                mismatches.Add(
                    $"{setting.Key} (line {row.Line}): the page gives type '{row.Type}', the class has '{expected}'");
            }
        }

        Assert.True(mismatches.Count == 0, "Types that differ:\n  " + string.Join("\n  ", mismatches));
    }

    [Fact]
    public void Page_Defaults_MatchOptionsClasses()
    {
        var mismatches = new List<string>();
        foreach (var (setting, row) in SettingsWithRows().Where(pair => pair.Setting.HasDefault))
        {
            if (CompareDefault(setting, row) is { } mismatch)
            {
                mismatches.Add($"{setting.Key} (line {row.Line}): {mismatch}");
            }
        }

        Assert.True(mismatches.Count == 0, "Defaults that differ:\n  " + string.Join("\n  ", mismatches));
    }

    private static IEnumerable<(OptionsSetting Setting, ReferenceRow Row)> SettingsWithRows()
    {
        var rows = Rows
            .GroupBy(row => ConfigurationReferencePage.NormalizeKey(row.Key), StringComparer.Ordinal)
            .ToDictionary(group => group.Key, group => group.First(), StringComparer.Ordinal);
        foreach (var setting in Settings)
        {
            // A setting the page leaves out fails Page_ListsEveryOptionsSetting instead.
            if (rows.TryGetValue(setting.Key, out var row))
            {
                yield return (setting, row);
            }
        }
    }

    /// <summary>
    /// Returns why the page's default differs from the class's, or null when they are equal. A default in backticks is
    /// converted the way the binder converts a configured string; "empty" or "none" means null or "".
    /// </summary>
    private static string? CompareDefault(OptionsSetting setting, ReferenceRow row)
    {
        var actual = setting.Default;
        var actualText = actual is null ? "null" : $"'{Convert.ToString(actual, CultureInfo.InvariantCulture)}'";
        if (row.Default.StartsWith("empty", StringComparison.Ordinal)
            || row.Default.StartsWith("none", StringComparison.Ordinal))
        {
            return actual is null || actual is "" ? null : $"the page gives {row.Default}, the class has {actualText}";
        }

        var start = row.Default.IndexOf('`', StringComparison.Ordinal);
        var end = start < 0 ? -1 : row.Default.IndexOf('`', start + 1);
        if (start != 0 || end < 0)
        {
            return $"the page gives '{row.Default}', which is neither a value in backticks nor 'empty'; "
                   + $"the class has {actualText}";
        }

        var text = row.Default[1..end];
        var type = Nullable.GetUnderlyingType(setting.Type) ?? setting.Type;
        object? documented;
        try
        {
            documented = TypeDescriptor.GetConverter(type).ConvertFromInvariantString(text);
        }
        catch (Exception exception) when (exception is FormatException or NotSupportedException or ArgumentException)
        {
            return $"the page gives '{text}', which is not a valid {type.Name}: {exception.Message}";
        }

        return Equals(documented, actual) ? null : $"the page gives '{text}', the class has {actualText}";
    }

    private static string TypeName(Type type)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying.IsEnum)
        {
            return "enum";
        }

        return TypeNames.GetValueOrDefault(underlying) ?? underlying.Name;
    }
}
