namespace BluBees.Engine.Templates;

/// <summary>Low-level scans over template source used by the <see cref="Lexer"/>; all linear, none recursive.</summary>
internal static class SourceScanner
{
    /// <summary>The next <c>{{</c> or <c>{%</c> at or after <paramref name="from"/>, or -1.</summary>
    public static int FindOpening(string source, int from)
    {
        for (var i = source.IndexOf('{', from); i >= 0 && i + 1 < source.Length; i = source.IndexOf('{', i + 1))
        {
            if (source[i + 1] is '{' or '%')
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>
    /// The position of the closing <c>}}</c> (closer '}') or <c>%}</c> (closer '%') of the delimiter at
    /// <paramref name="open"/>, skipping quoted strings so <c>{{ "}}" }}</c> works; null when there is none.
    /// </summary>
    public static int? FindClose(string source, int open, char closer)
    {
        char? quote = null;
        var quoteAt = 0;
        for (var i = open + 2; i < source.Length; i++)
        {
            var c = source[i];
            if (quote is not null)
            {
                quote = c == quote ? null : quote;
            }
            else if (c is '"' or '\'')
            {
                (quote, quoteAt) = (c, i);
            }
            else if (c == closer && i + 1 < source.Length && source[i + 1] == '}')
            {
                return i;
            }
        }

        return quote is null ? null : throw TemplateFailure.Syntax("unterminated string literal", quoteAt);
    }

    /// <summary>Bounds of the tag name after <c>{%</c> (and an optional dash and spaces); <c>#</c> is the inline comment.</summary>
    public static (int Start, int End) TagName(string source, int open)
    {
        var start = open + 2;
        if (start < source.Length && source[start] == '-')
        {
            start++;
        }

        while (start < source.Length && char.IsWhiteSpace(source[start]))
        {
            start++;
        }

        var end = start;
        if (end < source.Length && source[end] == '#')
        {
            return (start, end + 1);
        }

        while (end < source.Length && (char.IsAsciiLetterOrDigit(source[end]) || source[end] == '_'))
        {
            end++;
        }

        return (start, end);
    }

    public static string PeekTagName(string source, int open)
    {
        var (start, end) = TagName(source, open);
        return source[start..end];
    }

    public static int IndexOfTagClose(string source, int from) => source.IndexOf("%}", from, StringComparison.Ordinal);
}
