using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;
using Fluid;

namespace Sendora.Grains.Channels;

/// <summary>Renders Liquid templates (Fluid) over a delivery's context of traits, event and journey.</summary>
public sealed class TemplateRenderer
{
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
    /// the template's variables). HTML-encodes values when <paramref name="html"/> is set. Throws
    /// <see cref="TemplateException"/> when the template cannot be parsed or rendered.
    /// </summary>
    public async Task<string> RenderAsync(string name, string source, JsonElement context, bool html = false)
    {
        if (!Parser.TryParse(source, out var template, out var error))
        {
            throw new TemplateException($"The {name} template is invalid: {error}");
        }

        // NOTE: rendering has no step limit, so a template with a huge loop runs to its end.
        var templateContext = new TemplateContext();
        if (context.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in context.EnumerateObject())
            {
                templateContext.SetValue(property.Name, ToModel(property.Value) ?? string.Empty);
            }
        }

        try
        {
            return html
                ? await template.RenderAsync(templateContext, HtmlEncoder.Default)
                : await template.RenderAsync(templateContext, NullEncoder.Default);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            throw new TemplateException($"The {name} template failed to render: {exception.Message}", exception);
        }
    }

    /// <summary>Turns JSON into the dictionaries, lists and scalars that Fluid reads without registration.</summary>
    private static object? ToModel(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().ToDictionary(p => p.Name, p => ToModel(p.Value), StringComparer.Ordinal),
        JsonValueKind.Array => element.EnumerateArray().Select(ToModel).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var whole) ? whole : element.GetDecimal(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}
