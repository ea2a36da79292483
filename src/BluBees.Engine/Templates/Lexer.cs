namespace BluBees.Engine.Templates;

/// <summary>
/// Splits source into text, outputs and tags, applying whitespace control and swallowing
/// <c>raw</c>/<c>comment</c> bodies. Linear in the source length; no recursion.
/// </summary>
internal sealed class Lexer(string source)
{
    private readonly List<Token> _tokens = [];
    private bool _trimNextText;

    public List<Token> Tokenize()
    {
        var pos = 0;
        while (pos < source.Length)
        {
            var open = FindOpening(pos);
            if (open < 0)
            {
                AddText(pos, source.Length);
                break;
            }

            AddText(pos, open);
            pos = source[open + 1] == '{' ? ScanOutput(open) : ScanTag(open);
        }

        return _tokens;
    }

    private int FindOpening(int from)
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

    private void AddText(int start, int end)
    {
        var text = source[start..end];
        if (_trimNextText)
        {
            text = text.TrimStart();
            _trimNextText = false;
        }

        if (text.Length > 0)
        {
            _tokens.Add(new Token(TokenKind.Text, start, text));
        }
    }

    private void TrimPreviousText()
    {
        if (_tokens.Count > 0 && _tokens[^1] is { Kind: TokenKind.Text } last)
        {
            var trimmed = last.Text.TrimEnd();
            if (trimmed.Length == 0)
            {
                _tokens.RemoveAt(_tokens.Count - 1);
            }
            else
            {
                _tokens[^1] = last with { Text = trimmed };
            }
        }
    }

    private int ScanOutput(int open)
    {
        var close = FindClose(open, '}') ?? throw TemplateFailure.Syntax("unterminated output '{{'", open);
        var (start, end) = Markup(open, close);
        _tokens.Add(new Token(TokenKind.Output, open, "") { MarkupStart = start, MarkupEnd = end });
        return close + 2;
    }

    private int ScanTag(int open)
    {
        var nameStart = open + 2;
        if (nameStart < source.Length && source[nameStart] == '-')
        {
            nameStart++;
        }

        while (nameStart < source.Length && char.IsWhiteSpace(source[nameStart]))
        {
            nameStart++;
        }

        var nameEnd = nameStart;
        if (nameEnd < source.Length && source[nameEnd] == '#')
        {
            nameEnd++;
        }
        else
        {
            while (nameEnd < source.Length && (char.IsAsciiLetterOrDigit(source[nameEnd]) || source[nameEnd] == '_'))
            {
                nameEnd++;
            }
        }

        var name = source[nameStart..nameEnd];
        var close = name == "#" ? IndexOfTagClose(nameEnd) : FindClose(open, '%');
        if (close is not { } closeAt || closeAt < 0)
        {
            throw TemplateFailure.Syntax($"unterminated tag '{{% {Shorten(name)}'", open);
        }

        if (name.Length == 0)
        {
            throw TemplateFailure.Syntax("expected a tag name after '{%'", nameStart);
        }

        var (_, end) = Markup(open, closeAt);
        var token = new Token(TokenKind.Tag, open, "") { Name = name, NameOffset = nameStart, MarkupStart = Math.Min(nameEnd, end), MarkupEnd = end };
        var next = closeAt + 2;
        switch (name)
        {
            case "#":
                return next;
            case "raw":
                return SkipBody(token, next, verbatim: true);
            case "comment":
                return SkipBody(token, next, verbatim: false);
            default:
                _tokens.Add(token);
                return next;
        }
    }

    private int? FindClose(int open, char closer)
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

    private int IndexOfTagClose(int from) => source.IndexOf("%}", from, StringComparison.Ordinal);

    /// <summary>Markup bounds inside <paramref name="open"/>..<paramref name="close"/>; applies the dash trims.</summary>
    private (int Start, int End) Markup(int open, int close)
    {
        var start = open + 2;
        var end = close;
        if (start < end && source[start] == '-')
        {
            start++;
            TrimPreviousText();
        }

        if (end > start && source[end - 1] == '-')
        {
            end--;
            _trimNextText = true;
        }
        else
        {
            _trimNextText = false;
        }

        return (start, end);
    }

    /// <summary>Finds the end tag of raw/comment (comments nest) and emits the raw body as text.</summary>
    private int SkipBody(Token opener, int bodyStart, bool verbatim)
    {
        var endName = "end" + opener.Name;
        var depth = 1;
        for (var i = source.IndexOf("{%", bodyStart, StringComparison.Ordinal); i >= 0; i = source.IndexOf("{%", i + 2, StringComparison.Ordinal))
        {
            var name = PeekTagName(i);
            depth += !verbatim && name == opener.Name ? 1 : name == endName ? -1 : 0;
            var close = IndexOfTagClose(i + 2);
            if (depth > 0 || close < 0)
            {
                continue;
            }

            if (verbatim)
            {
                AddText(bodyStart, i); // applies the opener's trailing dash to the body
                Markup(i, close);
            }
            else
            {
                // A comment's dashes only trim its own (discarded) body, except the closer's trailing one.
                _trimNextText = close - 1 >= i + 2 && source[close - 1] == '-';
            }

            return close + 2;
        }

        throw TemplateFailure.Syntax($"'{opener.Name}' is never closed; expected '{{% {endName} %}}'", opener.Start);
    }

    private string PeekTagName(int open)
    {
        var i = open + 2;
        if (i < source.Length && source[i] == '-')
        {
            i++;
        }

        while (i < source.Length && char.IsWhiteSpace(source[i]))
        {
            i++;
        }

        var start = i;
        while (i < source.Length && (char.IsAsciiLetterOrDigit(source[i]) || source[i] == '_'))
        {
            i++;
        }

        return source[start..i];
    }

    private static string Shorten(string name) => name.Length > 32 ? name[..32] : name;
}
