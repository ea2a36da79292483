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
            var open = SourceScanner.FindOpening(source, pos);
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
        var close = SourceScanner.FindClose(source, open, '}') ?? throw TemplateFailure.Syntax("unterminated output '{{'", open);
        var (start, end) = Markup(open, close);
        _tokens.Add(new Token(TokenKind.Output, open, "") { MarkupStart = start, MarkupEnd = end });
        return close + 2;
    }

    private int ScanTag(int open)
    {
        var (nameStart, nameEnd) = SourceScanner.TagName(source, open);
        var name = source[nameStart..nameEnd];

        // An inline comment may hold any text, quotes included: it ends at the first "%}".
        var close = name == "#" ? SourceScanner.IndexOfTagClose(source, nameEnd) : SourceScanner.FindClose(source, open, '%') ?? -1;
        if (close < 0)
        {
            throw TemplateFailure.Syntax($"unterminated tag '{{% {(name.Length > 32 ? name[..32] : name)}'", open);
        }

        if (name.Length == 0)
        {
            throw TemplateFailure.Syntax("expected a tag name after '{%'", nameStart);
        }

        var (_, end) = Markup(open, close);
        var token = new Token(TokenKind.Tag, open, "") { Name = name, NameOffset = nameStart, MarkupStart = Math.Min(nameEnd, end), MarkupEnd = end };
        switch (name)
        {
            case "#":
                return close + 2;
            case "raw":
                return SkipBody(token, close + 2, verbatim: true);
            case "comment":
                return SkipBody(token, close + 2, verbatim: false);
            default:
                _tokens.Add(token);
                return close + 2;
        }
    }

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

        _trimNextText = end > start && source[end - 1] == '-';
        return (start, _trimNextText ? end - 1 : end);
    }

    /// <summary>Finds the end tag of raw/comment (comments nest) and emits the raw body as text.</summary>
    private int SkipBody(Token opener, int bodyStart, bool verbatim)
    {
        var endName = "end" + opener.Name;
        var depth = 1;
        for (var i = source.IndexOf("{%", bodyStart, StringComparison.Ordinal); i >= 0; i = source.IndexOf("{%", i + 2, StringComparison.Ordinal))
        {
            var name = SourceScanner.PeekTagName(source, i);
            depth += !verbatim && name == opener.Name ? 1 : name == endName ? -1 : 0;
            if (depth > 0)
            {
                continue;
            }

            var close = SourceScanner.IndexOfTagClose(source, i + 2);
            if (close < 0)
            {
                break;
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
}
