namespace BluBees.Engine.Templates;

/// <summary>Tokenizes the markup of one output or tag. Offsets are absolute source offsets.</summary>
internal static class ExprLexer
{
    public static List<ExprToken> Tokenize(string source, int start, int end)
    {
        var tokens = new List<ExprToken>();
        var i = start;
        while (i < end)
        {
            var c = source[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }

            var tokenStart = i;
            if (char.IsAsciiLetter(c) || c == '_')
            {
                i++;
                while (i < end && (char.IsAsciiLetterOrDigit(source[i]) || source[i] is '_' or '-'))
                {
                    i++;
                }

                if (i < end && source[i] == '?')
                {
                    i++;
                }

                tokens.Add(new ExprToken(ExprTokenKind.Identifier, tokenStart, source[tokenStart..i]));
            }
            else if (char.IsAsciiDigit(c) || (c == '-' && i + 1 < end && char.IsAsciiDigit(source[i + 1])))
            {
                i = ScanNumber(source, i + 1, end);
                tokens.Add(new ExprToken(ExprTokenKind.Number, tokenStart, source[tokenStart..i]));
            }
            else if (c is '"' or '\'')
            {
                var close = source.IndexOf(c, i + 1, end - i - 1);
                if (close < 0)
                {
                    throw TemplateFailure.Syntax("unterminated string literal", i);
                }

                tokens.Add(new ExprToken(ExprTokenKind.String, tokenStart, source[(i + 1)..close]));
                i = close + 1;
            }
            else
            {
                var (kind, length) = Punctuation(source, i, end);
                if (length == 0)
                {
                    throw TemplateFailure.Syntax($"unexpected character '{c}'", i);
                }

                tokens.Add(new ExprToken(kind, tokenStart, source.Substring(i, length)));
                i += length;
            }
        }

        tokens.Add(new ExprToken(ExprTokenKind.End, end, ""));
        return tokens;
    }

    private static int ScanNumber(string source, int i, int end)
    {
        while (i < end && char.IsAsciiDigit(source[i]))
        {
            i++;
        }

        // "1..5" is a range, not the decimal "1." followed by ".5".
        if (i + 1 < end && source[i] == '.' && char.IsAsciiDigit(source[i + 1]))
        {
            i++;
            while (i < end && char.IsAsciiDigit(source[i]))
            {
                i++;
            }
        }

        return i;
    }

    private static (ExprTokenKind Kind, int Length) Punctuation(string source, int i, int end)
    {
        var next = i + 1 < end ? source[i + 1] : '\0';
        return source[i] switch
        {
            '.' when next == '.' => (ExprTokenKind.DotDot, 2),
            '.' => (ExprTokenKind.Dot, 1),
            '[' => (ExprTokenKind.LBracket, 1),
            ']' => (ExprTokenKind.RBracket, 1),
            '(' => (ExprTokenKind.LParen, 1),
            ')' => (ExprTokenKind.RParen, 1),
            '|' => (ExprTokenKind.Pipe, 1),
            ':' => (ExprTokenKind.Colon, 1),
            ',' => (ExprTokenKind.Comma, 1),
            '=' when next == '=' => (ExprTokenKind.Comparison, 2),
            '=' => (ExprTokenKind.Assign, 1),
            '!' when next == '=' => (ExprTokenKind.Comparison, 2),
            '<' when next is '>' or '=' => (ExprTokenKind.Comparison, 2),
            '>' when next == '=' => (ExprTokenKind.Comparison, 2),
            '<' or '>' => (ExprTokenKind.Comparison, 1),
            _ => (ExprTokenKind.End, 0),
        };
    }
}
