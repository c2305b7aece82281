using System.Text;

namespace Sendora.Grains.Audiences.Language;

/// <summary>Builds the JSON paths that errors and traces report, such as <c>$.all[2].where['a b']</c>.</summary>
internal static class JsonPath
{
    public const string Root = "$";

    public static string Property(string parent, string name)
    {
        if (IsIdentifier(name))
        {
            return parent + "." + name;
        }

        var builder = new StringBuilder(parent, parent.Length + name.Length + 4).Append("['");
        foreach (var c in name)
        {
            if (c is '\'' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.Append("']").ToString();
    }

    public static string Index(string parent, int index) => $"{parent}[{index}]";

    private static bool IsIdentifier(string name)
    {
        if (name.Length == 0 || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
