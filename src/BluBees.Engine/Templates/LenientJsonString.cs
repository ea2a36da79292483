using System.Globalization;
using System.Text;

namespace BluBees.Engine.Templates;

/// <summary>
/// Decodes a JSON string literal that System.Text.Json refuses to materialise (an escaped lone surrogate such as
/// <c>"\ud800"</c> is valid JSON grammar but throws on read). Scope data is not ours to reject: keep it as-is.
/// </summary>
internal static class LenientJsonString
{
    public static string Decode(string literal)
    {
        var body = literal.Length >= 2 ? literal.AsSpan(1, literal.Length - 2) : [];
        var builder = new StringBuilder(body.Length);
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] != '\\' || i + 1 >= body.Length)
            {
                builder.Append(body[i]);
                continue;
            }

            var escape = body[++i];
            if (escape == 'u' && i + 4 < body.Length
                && ushort.TryParse(body.Slice(i + 1, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            {
                builder.Append((char)code);
                i += 4;
                continue;
            }

            builder.Append(escape switch
            {
                'b' => '\b',
                'f' => '\f',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                _ => escape,
            });
        }

        return builder.ToString();
    }
}
