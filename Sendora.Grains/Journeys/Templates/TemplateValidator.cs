using System.Globalization;
using System.Text;
using Sendora.Grains.Channels;

namespace Sendora.Grains.Journeys.Templates;

/// <summary>
/// Checks a template's fields against the channel's requirements, the size limits and the Liquid syntax. In Azure
/// Table storage a template is one entity of at most 1 MiB, so its whole text is bounded well below that.
/// </summary>
public static class TemplateValidator
{
    /// <summary>The maximum length of a name, in characters as <see cref="TextLength"/> counts them.</summary>
    public const int MaxNameLength = 256;

    /// <summary>The maximum length of a subject or a push title, in characters as <see cref="TextLength"/> counts them.</summary>
    public const int MaxHeadingLength = 1_000;

    /// <summary>The maximum size of one body in bytes of UTF-8 (256 KiB).</summary>
    public const int MaxBodyBytes = 262_144;

    public const int MaxDataEntries = 50;

    /// <summary>The maximum size of the name, content and data together, in bytes of UTF-8 (512 KiB).</summary>
    public const int MaxTemplateBytes = 524_288;

    /// <summary>
    /// Returns the first problem of <paramref name="template"/>, or null when it is valid. Fields are named as in
    /// the admin API's JSON, such as <c>htmlBody</c>, and <c>template</c> is the whole template.
    /// </summary>
    public static TemplateFieldError? Validate(TemplateRecord template)
    {
        ArgumentNullException.ThrowIfNull(template);
        return CheckName(template.Name)
            ?? template.Channel switch
            {
                DeliveryChannels.Email => CheckEmail(template),
                DeliveryChannels.Push => CheckPush(template),
                _ => new TemplateFieldError("channel", $"\"{DeliveryChannels.Email}\" or \"{DeliveryChannels.Push}\""),
            }
            ?? CheckTotalSize(template)
            ?? CheckLiquid(template);
    }

    private static TemplateFieldError? CheckName(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return new TemplateFieldError("name",
                Format($"a non-blank string of at most {MaxNameLength:N0} characters"));
        }

        return TextLength.IsOver(name, MaxNameLength)
            ? new TemplateFieldError("name", Format($"at most {MaxNameLength:N0} characters, not {TextLength.Count(name):N0}"))
            : null;
    }

    private static TemplateFieldError? CheckEmail(TemplateRecord template)
    {
        if (CheckHeading("subject", template.Subject) is { } subject)
        {
            return subject;
        }

        if (template.HtmlBody is null && template.TextBody is null)
        {
            return new TemplateFieldError("htmlBody",
                "set when 'textBody' is not, because an email needs at least one body");
        }

        return CheckBody("htmlBody", template.HtmlBody)
            ?? CheckBody("textBody", template.TextBody)
            ?? CheckAbsent("title", template.Title, "an email")
            ?? CheckAbsent("body", template.Body, "an email")
            ?? CheckAbsent("data", template.Data, "an email");
    }

    private static TemplateFieldError? CheckPush(TemplateRecord template)
    {
        if (CheckHeading("title", template.Title) is { } title)
        {
            return title;
        }

        if (template.Body is null)
        {
            return new TemplateFieldError("body",
                Format($"a non-empty string of at most {MaxBodyBytes:N0} bytes of UTF-8, because a push needs a body"));
        }

        return CheckBody("body", template.Body)
            ?? CheckData(template.Data)
            ?? CheckAbsent("subject", template.Subject, "a push")
            ?? CheckAbsent("htmlBody", template.HtmlBody, "a push")
            ?? CheckAbsent("textBody", template.TextBody, "a push");
    }

    private static TemplateFieldError? CheckHeading(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return new TemplateFieldError(field,
                Format($"a non-blank string of at most {MaxHeadingLength:N0} characters"));
        }

        return TextLength.IsOver(value, MaxHeadingLength)
            ? new TemplateFieldError(field, Format($"at most {MaxHeadingLength:N0} characters, not {TextLength.Count(value):N0}"))
            : null;
    }

    private static TemplateFieldError? CheckBody(string field, string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (value.Length == 0)
        {
            return new TemplateFieldError(field,
                Format($"a non-empty string of at most {MaxBodyBytes:N0} bytes of UTF-8 when it is set"));
        }

        var bytes = Encoding.UTF8.GetByteCount(value);
        return bytes > MaxBodyBytes
            ? new TemplateFieldError(field, Format($"at most {MaxBodyBytes:N0} bytes of UTF-8, not {bytes:N0}"))
            : null;
    }

    private static TemplateFieldError? CheckData(IReadOnlyDictionary<string, string>? data)
    {
        if (data is null)
        {
            return null;
        }

        if (data.Count > MaxDataEntries)
        {
            return new TemplateFieldError("data", Format($"at most {MaxDataEntries} entries, not {data.Count}"));
        }

        // JSON deserialization turns {"key": null} into a null value even though the value type is not nullable.
        return data.Any(pair => string.IsNullOrEmpty(pair.Key) || pair.Value is null)
            ? new TemplateFieldError("data",
                Format($"an object of at most {MaxDataEntries} entries with non-empty keys and string values"))
            : null;
    }

    private static TemplateFieldError? CheckAbsent(string field, object? value, string templateKind) =>
        value is null ? null : new TemplateFieldError(field, $"absent from {templateKind} template");

    private static TemplateFieldError? CheckTotalSize(TemplateRecord template)
    {
        var texts = new[] { template.Name, template.Subject, template.HtmlBody, template.TextBody, template.Title }
            .Append(template.Body)
            .Concat((template.Data ?? new Dictionary<string, string>()).SelectMany(p => new[] { p.Key, p.Value }));
        var bytes = texts.Sum(text => text is null ? 0L : Encoding.UTF8.GetByteCount(text));
        return bytes > MaxTemplateBytes
            ? new TemplateFieldError("template",
                Format($"at most {MaxTemplateBytes:N0} bytes of UTF-8 in all its fields together, not {bytes:N0}"))
            : null;
    }

    private static TemplateFieldError? CheckLiquid(TemplateRecord template)
    {
        foreach (var (field, source) in (ReadOnlySpan<(string, string?)>)
            [("subject", template.Subject), ("htmlBody", template.HtmlBody), ("textBody", template.TextBody),
                ("title", template.Title), ("body", template.Body)])
        {
            if (source is not null && !TemplateRenderer.TryParse(source, out var error))
            {
                return new TemplateFieldError(field, $"a Liquid template that parses, but Fluid reports: {error}");
            }
        }

        return null;
    }

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
