using System.Globalization;
using System.Text;

namespace BluBees.Engine.Templates;

/// <summary>
/// Reads a date written in a Java pattern (<c>to_date: "dd/MM/yyyy"</c>, Jira's <c>toDate("dd/MM/yyyy")</c>) by
/// translating the pattern to a .NET exact format. Dates without an offset are UTC. Zone letters are not supported
/// for parsing (an ISO string with its offset needs no pattern).
/// </summary>
internal static class JavaPatternParser
{
    public static bool TryParse(string text, string pattern, out DateTimeOffset date)
    {
        date = default;
        return pattern.Length is > 0 and <= 256 && text.Length <= 256 && Translate(pattern) is { } format
            && DateTimeOffset.TryParseExact(text, format, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out date);
    }

    private static string? Translate(string pattern)
    {
        var output = new StringBuilder();
        for (var i = 0; i < pattern.Length;)
        {
            var c = pattern[i];
            if (c == '\'')
            {
                var close = pattern.IndexOf('\'', i + 1);
                if (close < 0)
                {
                    return null;
                }

                foreach (var literal in close == i + 1 ? "'" : pattern[(i + 1)..close])
                {
                    output.Append('\\').Append(literal);
                }

                i = close + 1;
                continue;
            }

            var count = 1;
            while (i + count < pattern.Length && pattern[i + count] == c)
            {
                count++;
            }

            var part = c switch
            {
                'y' or 'u' => count == 2 ? "yy" : "yyyy",
                'M' => count <= 4 ? new string('M', count) : null,
                'd' => count <= 2 ? new string('d', count) : null,
                'H' => count <= 2 ? new string('H', count) : null,
                'h' => count <= 2 ? new string('h', count) : null,
                'm' => count <= 2 ? new string('m', count) : null,
                's' => count <= 2 ? new string('s', count) : null,
                'S' => count <= 7 ? new string('f', count) : null,
                'a' => "tt",
                'E' => count >= 4 ? "dddd" : "ddd",
                _ when char.IsAsciiLetter(c) => null,
                _ => string.Concat(Enumerable.Repeat("\\" + c, count)),
            };
            if (part is null)
            {
                return null;
            }

            output.Append(part);
            i += count;
        }

        return output.ToString();
    }
}
