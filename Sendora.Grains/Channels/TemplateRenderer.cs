using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;
using Fluid;

namespace Sendora.Grains.Channels;

/// <summary>Renders Liquid templates (Fluid) over a delivery's context of traits, event and journey.</summary>
public sealed class TemplateRenderer
{
    /// <summary>
    /// The maximum number of statements one rendering runs. A loop over a profile's events or a product list takes a
    /// few thousand, and a loop to a number taken from a trait could otherwise hold memory and a thread for minutes.
    /// </summary>
    public const int MaxSteps = 100_000;

    /// <summary>The maximum number of characters one rendering produces, well above any email, push or webhook body.</summary>
    public const int MaxOutputChars = 1_000_000;

    private static readonly FluidParser Parser = new();

    /// <summary>
    /// Parses <paramref name="source"/> as Liquid with the same parser that rendering uses, without rendering it.
    /// Returns false when the template is invalid, with the first line of Fluid's message in
    /// <paramref name="error"/>, such as "End of tag '}}' was expected at (1:24)".
    /// </summary>
    public static bool TryParse(string source, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (Parser.TryParse(source, out _, out var message))
        {
            error = null;
            return true;
        }

        // Fluid.Core 3.0 appends the whole source after the first line, which can be hundreds of kilobytes long.
        var lineEnd = message.IndexOf('\n');
        error = lineEnd < 0 ? message : message[..lineEnd].TrimEnd('\r');
        return false;
    }

    /// <summary>
    /// Renders <paramref name="source"/> over <paramref name="context"/> (a JSON object whose properties become
    /// the template's variables), encoding each value it prints for <paramref name="output"/>. Throws
    /// <see cref="TemplateException"/> when the template cannot be parsed or rendered.
    /// </summary>
    public async Task<string> RenderAsync(
        string name, string source, JsonElement context, TemplateOutput output = TemplateOutput.Text)
    {
        if (!Parser.TryParse(source, out var template, out var error))
        {
            throw new TemplateException($"The {name} template is invalid: {error}");
        }

        var templateContext = new TemplateContext { MaxSteps = MaxSteps, MaxOutputSize = MaxOutputChars };
        try
        {
            if (context.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in context.EnumerateObject())
                {
                    templateContext.SetValue(property.Name, ToModel(property.Value) ?? string.Empty);
                }
            }

            TextEncoder encoder = output switch
            {
                TemplateOutput.Html => HtmlEncoder.Default,
                TemplateOutput.Json => JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
                _ => NullEncoder.Default,
            };
            return await template.RenderAsync(templateContext, encoder);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw new TemplateException($"The {name} template failed to render: {exception.Message}", exception);
        }
    }

    // JSON numbers have no range, and the tracking API takes any. A number beyond decimal's range, such as 1e30, is
    // rendered as a double, and one beyond double's, such as 1e400, as it was written.
    private static object NumberOf(JsonElement element) =>
        element.TryGetInt64(out var whole) ? whole
        : element.TryGetDecimal(out var exact) ? exact
        : element.TryGetDouble(out var approximate) && double.IsFinite(approximate) ? approximate
        : element.GetRawText();

    /// <summary>Turns JSON into the dictionaries, lists and scalars that Fluid reads without registration.</summary>
    private static object? ToModel(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => ToModel(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => element.EnumerateArray().Select(ToModel).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => NumberOf(element),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}

/// <summary>What a rendered template becomes, which decides how the values it prints are encoded.</summary>
public enum TemplateOutput
{
    /// <summary>Plain text: values are printed as they are.</summary>
    Text,

    /// <summary>HTML: values are HTML-encoded, so a trait cannot add markup.</summary>
    Html,

    /// <summary>
    /// JSON: values are escaped as inside a JSON string, so a quote or a line break in a trait cannot end the string
    /// or add keys. A value printed with <c>| json | raw</c> goes in as a whole JSON value instead.
    /// </summary>
    Json,
}
