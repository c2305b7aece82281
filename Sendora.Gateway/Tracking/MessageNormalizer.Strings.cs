using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Sendora.Gateway.Tracking;

public sealed partial class MessageNormalizer
{
    /// <summary>Returns the cleaned text of a JSON string, also when it escapes an unpaired surrogate.</summary>
    internal static string ReadString(JsonElement element)
    {
        string text;
        try
        {
            text = element.GetString() ?? string.Empty;
        }
        catch (InvalidOperationException)
        {
            text = DecodeLiteral(element.GetRawText());
        }

        return Clean(text);
    }

    internal static string ReadName(JsonProperty property)
    {
        try
        {
            return Clean(property.Name);
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json throws on a name that escapes an unpaired surrogate, so the raw name is decoded here.
            var literal = "\"" + Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8PropertyName(property)) + "\"";
            return Clean(DecodeLiteral(literal));
        }
    }

    /// <summary>Removes NUL characters and replaces unpaired surrogates with U+FFFD.</summary>
    internal static string Clean(string text)
    {
        var needsWork = false;
        for (var i = 0; i < text.Length && !needsWork; i++)
        {
            var c = text[i];
            needsWork = c == '\0' || (char.IsHighSurrogate(c)
                ? i + 1 >= text.Length || !char.IsLowSurrogate(text[++i])
                : char.IsLowSurrogate(c));
        }

        if (!needsWork)
        {
            return text;
        }

        var builder = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\0')
            {
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                builder.Append(c).Append(text[++i]);
            }
            else
            {
                builder.Append(char.IsSurrogate(c) ? '\uFFFD' : c);
            }
        }

        return builder.ToString();
    }

    // Decodes a JSON string literal (with its quotes) without validating surrogate pairs.
    private static string DecodeLiteral(string literal)
    {
        var builder = new StringBuilder(literal.Length);
        for (var i = 1; i < literal.Length - 1; i++)
        {
            var c = literal[i];
            if (c != '\\')
            {
                builder.Append(c);
                continue;
            }

            var escape = literal[++i];
            builder.Append(escape switch
            {
                'b' => '\b',
                'f' => '\f',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'u' => (char)Convert.ToUInt16(literal.Substring(i + 1, 4), 16),
                _ => escape,
            });
            if (escape == 'u')
            {
                i += 4;
            }
        }

        return builder.ToString();
    }
}
