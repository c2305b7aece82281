using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Sendora.Silo.Hosting;

/// <summary>
/// Builds and runs the host of a Sendora process. When a setting is invalid or storage is unreachable, it writes the
/// error's message and returns exit code 1, where an unhandled exception would print its stack trace and abort.
/// </summary>
public static partial class HostStartup
{
    /// <summary>
    /// Builds the host with <paramref name="build"/>, checks every option registered with <c>ValidateOnStart</c>, then
    /// runs the host until it stops. Returns the process's exit code.
    /// </summary>
    public static async Task<int> RunAsync(Func<Task<IHost>> build, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(build);
        ArgumentNullException.ThrowIfNull(error);
        IHost host;
        try
        {
            host = await build();

            // The host checks these too when it starts, but it logs the failure with a stack trace first.
            host.Services.GetService<IStartupValidator>()?.Validate();
        }
        catch (Exception exception) when (IsStartupError(exception))
        {
            foreach (var message in Messages(exception).Distinct(StringComparer.Ordinal))
            {
                await error.WriteLineAsync(message);
            }

            return 1;
        }

        // RunAsync disposes the host when it stops, so the lifetime is taken first.
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        var started = lifetime.ApplicationStarted;
        var stopping = lifetime.ApplicationStopping;
        try
        {
            await host.RunAsync();
        }
        catch (Exception) when (stopping.IsCancellationRequested && !started.IsCancellationRequested)
        {
            // SIGTERM or Ctrl+C during the start cancels it, and the stage it reached throws OperationCanceledException
            // or OrleansLifecycleCanceledException. A requested stop is not a crash, so it exits as a later stop does.
            await error.WriteLineAsync("Stopped before the start completed.");
        }

        return 0;
    }

    // The configuration checks of the Sendora section throw InvalidOperationException with the key to fix.
    private static bool IsStartupError(Exception exception) => exception switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.All(IsStartupError),
        OptionsValidationException or StorageUnreachableException or InvalidOperationException => true,
        _ => false,
    };

    private static IEnumerable<string> Messages(Exception exception) => exception switch
    {
        AggregateException aggregate => aggregate.InnerExceptions.SelectMany(Messages),
        OptionsValidationException validation => validation.Failures.Select(failure => Describe(validation.OptionsType, failure)),
        StorageUnreachableException => [exception.Message],
        _ => ["Sendora could not start: " + exception.Message + FormatHint(exception.Message)],
    };

    // The configuration binder names the key and the target type of a value it cannot convert, not the form it reads.
    private static string FormatHint(string message) =>
        message.Contains("to type 'System.TimeSpan'", StringComparison.Ordinal)
            ? " Write a time span as [d.]hh:mm:ss[.fff], such as 00:00:30 for 30 seconds or 1.00:00:00 for a day."
            : "";

    /// <summary>
    /// Returns a failure of <paramref name="optionsType"/> as a line that names the full key. A DataAnnotations failure
    /// names only the class and the property, so it is rewritten with the class's <c>SectionName</c>.
    /// </summary>
    private static string Describe(Type optionsType, string failure)
    {
        var match = DataAnnotationFailure().Match(failure);
        var section = optionsType.GetField("SectionName", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) as string;
        return match.Success && section is not null
            ? $"Invalid setting: {section}:{match.Groups["member"].Value}: {match.Groups["error"].Value}"
            : "Invalid setting: " + failure;
    }

    // The form of Microsoft.Extensions.Options.DataAnnotations 10.0: one failure per property.
    [GeneratedRegex("^DataAnnotation validation failed for '[^']*' members: '(?<member>[^']+)' with the error: '(?<error>.*)'\\.$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotationFailure();
}
