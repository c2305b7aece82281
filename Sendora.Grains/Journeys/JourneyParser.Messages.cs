using System.Text.Json;
using Fluid;
using Sendora.Grains.Audiences.Language;
using Sendora.Grains.Channels;

namespace Sendora.Grains.Journeys;

internal sealed partial class JourneyParser
{
    private const string LiquidExpected = "a non-empty Liquid template string";

    // Fluid documents a FluidParser as thread-safe and meant to be shared by the whole application.
    private static readonly FluidParser LiquidParser = new();

    private EmailStep ReadEmail(StepSource source)
    {
        var (element, path) = (source.Element, source.Path);
        const string inline = "'subject' with 'html', 'text' or both";
        string[] inlineKeys = ["subject", "html", "text"];
        var template = ReadTemplateOrInline(source, "send_email", inlineKeys, inline, out var inlineOnly);
        var subject = ReadLiquid(element, path, "subject");
        var html = ReadLiquid(element, path, "html");
        var text = ReadLiquid(element, path, "text");
        if (inlineOnly)
        {
            if (!element.TryGetProperty("subject", out _))
            {
                ReportMissing(path, "subject", $"An email without a template needs {inline}.");
            }

            if (!element.TryGetProperty("html", out _) && !element.TryGetProperty("text", out _))
            {
                _reader.Error(path, $"An email without a template needs a body: {inline}.");
            }
        }

        var to = ReadLiquid(element, path, "to");
        var transactional = ReadFlag(element, path, "transactional");
        return new EmailStep(source.ModelId, ReadNext(source), template, subject, html, text, to, transactional);
    }

    private PushStep ReadPush(StepSource source)
    {
        var (element, path) = (source.Element, source.Path);
        const string inline = "'title' and 'body'";
        var template = ReadTemplateOrInline(source, "send_push", ["title", "body"], inline, out var inlineOnly);
        var title = ReadLiquid(element, path, "title");
        var body = ReadLiquid(element, path, "body");
        if (inlineOnly)
        {
            foreach (var key in (string[])["title", "body"])
            {
                if (!element.TryGetProperty(key, out _))
                {
                    ReportMissing(path, key, $"A push notification without a template needs {inline}.");
                }
            }
        }

        var data = ReadStringMap(element, path, "data", maxCount: null);
        var transactional = ReadFlag(element, path, "transactional");
        return new PushStep(source.ModelId, ReadNext(source), template, title, body, data, transactional);
    }

    private WebhookStep ReadWebhook(StepSource source)
    {
        var (element, path) = (source.Element, source.Path);
        const string urlExpected = "an absolute http or https URL, such as \"https://example.com/hooks/sendora\"";
        var url = ReadString(element, path, "url", urlExpected);
        if (url is not null && !IsHttpUrl(url))
        {
            _reader.Error(JsonPath.Property(path, "url"),
                $"'url' must be {urlExpected}, not {DefinitionReader.Describe(element.GetProperty("url"))}.");
        }
        else if (!element.TryGetProperty("url", out _))
        {
            ReportMissing(path, "url", $"A send_webhook step needs the address it posts to: {urlExpected}.");
        }

        var headers = ReadStringMap(element, path, "headers", JourneyLimits.MaxWebhookHeaders);
        if (headers is not null)
        {
            CheckHeaders(headers, JsonPath.Property(path, "headers"));
        }

        var body = ReadLiquid(element, path, "body");
        var secret = ReadString(element, path, "signing_secret", "a non-empty string");
        return new WebhookStep(source.ModelId, ReadNext(source), url ?? string.Empty, headers, body, secret);
    }

    private UpdateTraitStep? ReadUpdateTrait(StepSource source)
    {
        var (element, path) = (source.Element, source.Path);
        var traitsPath = JsonPath.Property(path, "traits");
        const int max = JourneyLimits.MaxUpdatedTraits;
        var expected = $"an object of 1 to {max} trait names and values, such as {{\"onboarded\": true}}";
        var next = ReadNext(source);
        if (!element.TryGetProperty("traits", out var traits))
        {
            ReportMissing(path, "traits", $"An update_trait step needs the traits it sets: {expected}.");
            return null;
        }

        var count = traits.ValueKind == JsonValueKind.Object ? traits.EnumerateObject().Count() : 0;
        if (count == 0)
        {
            var actual = traits.ValueKind == JsonValueKind.Object
                ? "an empty object"
                : DefinitionReader.Describe(traits);
            _reader.Error(traitsPath, $"'traits' must be {expected}, not {actual}.");
            return null;
        }

        if (count > max)
        {
            _reader.Error(traitsPath, $"'traits' has {count} traits, over the limit of {max}.");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var trait in traits.EnumerateObject())
        {
            if (trait.Name.Length == 0)
            {
                _reader.Error(traitsPath, "A trait name in 'traits' is empty. Give each trait a name.");
            }
            else if (!names.Add(trait.Name))
            {
                _reader.Error(JsonPath.Property(traitsPath, trait.Name),
                    $"The trait '{trait.Name}' appears more than once. Give it once.");
            }
        }

        return new UpdateTraitStep(source.ModelId, next, traits.GetRawText());
    }

    /// <summary>
    /// Reads the template id of a message step and reports a step that has both a template and inline
    /// content, or neither. Returns null when the step has no valid template. <paramref name="inlineOnly"/>
    /// is set when the step has inline content and no template, so the caller checks that content is complete.
    /// </summary>
    private string? ReadTemplateOrInline(
        StepSource source, string type, string[] inlineKeys, string inlineContent, out bool inlineOnly)
    {
        var (element, path) = (source.Element, source.Path);
        var hasTemplate = element.TryGetProperty("template", out var template);
        var hasInline = inlineKeys.Any(key => element.TryGetProperty(key, out _));
        inlineOnly = hasInline && !hasTemplate;
        if (hasTemplate && hasInline)
        {
            _reader.Error(path,
                $"A {type} step takes either 'template' or inline content ({inlineContent}), not both.");
        }
        else if (!hasTemplate && !hasInline)
        {
            _reader.Error(path,
                $"A {type} step needs 'template' (the id of a template) or inline content: {inlineContent}.");
        }

        if (!hasTemplate)
        {
            return null;
        }

        var id = template.ValueKind == JsonValueKind.String ? template.GetString()! : null;
        if (id is null || !IsId(id))
        {
            _reader.Error(JsonPath.Property(path, "template"),
                $"'template' must be the id of a template, {IdRule}, not {DefinitionReader.Describe(template)}.");
            return null;
        }

        _templateIds.Add(id);
        return id;
    }

    /// <summary>Reads an optional Liquid template, reporting Fluid's parse error under the key's path.</summary>
    private string? ReadLiquid(JsonElement owner, string ownerPath, string key)
    {
        var source = ReadString(owner, ownerPath, key, LiquidExpected);
        if (source is not null && !LiquidParser.TryParse(source, out _, out var error))
        {
            // Fluid's message goes on to repeat the whole source, which the definition already shows.
            var reason = error.Split('\n', 2)[0].TrimEnd();
            _reader.Error(JsonPath.Property(ownerPath, key),
                $"'{key}' must be {LiquidExpected}, but it is invalid: {reason}.");
        }

        return source;
    }

    /// <summary>Reads an optional object whose values are strings, such as webhook headers or push data.</summary>
    private Dictionary<string, string>? ReadStringMap(JsonElement owner, string ownerPath, string key, int? maxCount)
    {
        if (!owner.TryGetProperty(key, out var map))
        {
            return null;
        }

        var path = JsonPath.Property(ownerPath, key);
        var limit = maxCount is { } max ? $"up to {max} " : string.Empty;
        if (map.ValueKind != JsonValueKind.Object)
        {
            _reader.Error(path, $"'{key}' must be an object of {limit}names and string values, such as "
                + $"{{\"plan\": \"pro\"}}, not {DefinitionReader.Describe(map)}.");
            return null;
        }

        var count = map.EnumerateObject().Count();
        if (count > maxCount)
        {
            _reader.Error(path, $"'{key}' has {count} entries, over the limit of {maxCount}.");
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in map.EnumerateObject())
        {
            var entryPath = JsonPath.Property(path, entry.Name);
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                _reader.Error(entryPath,
                    $"Each value of '{key}' must be a string, not {DefinitionReader.Describe(entry.Value)}.");
            }
            else if (!values.TryAdd(entry.Name, entry.Value.GetString()!))
            {
                _reader.Error(entryPath, $"The key '{entry.Name}' appears more than once. Give it once.");
            }
        }

        return values;
    }

    private void CheckHeaders(Dictionary<string, string> headers, string path)
    {
        foreach (var (name, value) in headers)
        {
            var headerPath = JsonPath.Property(path, name);
            if (name.Length == 0 || !name.All(IsTokenCharacter))
            {
                _reader.Error(headerPath, $"\"{name}\" is not a valid HTTP header name. A name has letters, digits "
                    + "and !#$%&'*+-.^_`|~ only.");
            }
            else if (WebhookSender.ReservedHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                _reader.Error(headerPath, $"The header '{name}' is set by Sendora on every webhook, so it cannot be "
                    + $"given here. Reserved headers: {DefinitionReader.List(WebhookSender.ReservedHeaders)}.");
            }

            if (value.Any(c => char.IsControl(c) && c != '\t'))
            {
                _reader.Error(headerPath, $"The value of header '{name}' contains a line break or another control "
                    + "character, which an HTTP header cannot carry.");
            }
        }
    }

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && uri.Host.Length > 0;

    // The token characters of RFC 9110, section 5.6.2.
    private static bool IsTokenCharacter(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c);
}
