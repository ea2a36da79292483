using System.Runtime.CompilerServices;

namespace BluBees.Engine.Templates;

/// <summary>
/// Recursive-descent parser for the markup of one tag or output. Recursion only happens for brackets and
/// ranges and is bounded by the nesting limit, so hostile markup cannot overflow the stack.
/// </summary>
internal sealed class ExprParser(string source, int start, int end, int maxDepth)
{
    private readonly List<ExprToken> _tokens = ExprLexer.Tokenize(source, start, end);
    private int _pos;

    public ExprToken Peek => _tokens[_pos];

    public bool AtEnd => Peek.Kind == ExprTokenKind.End;

    public ExprToken Next() => _tokens[_pos < _tokens.Count - 1 ? _pos++ : _pos];

    public bool IsWord(string word) => Peek.Kind == ExprTokenKind.Identifier && Peek.Text == word;

    public ExprToken Expect(ExprTokenKind kind, string what) =>
        Peek.Kind == kind ? Next() : throw Unexpected(what);

    public void ExpectEnd()
    {
        if (!AtEnd)
        {
            throw Unexpected("end of tag");
        }
    }

    public TemplateFailure Unexpected(string expected) => TemplateFailure.Syntax(
        $"expected {expected} but found {(AtEnd ? "end of tag" : $"'{Shorten(Peek.Text)}'")}", Peek.Offset);

    public FilteredExpr ParseFiltered()
    {
        var input = ParsePrimary();
        var filters = new List<FilterCall>();
        while (Peek.Kind == ExprTokenKind.Pipe)
        {
            Next();
            filters.Add(ParseFilter());
        }

        return new FilteredExpr(input, filters);
    }

    private FilterCall ParseFilter()
    {
        var nameToken = Expect(ExprTokenKind.Identifier, "a filter name");
        if (!Filters.ByName.TryGetValue(nameToken.Text, out var filter))
        {
            throw TemplateFailure.Syntax($"unknown filter '{Shorten(nameToken.Text)}'", nameToken.Offset);
        }

        var args = new List<Expr>();
        var named = new Dictionary<string, Expr>(StringComparer.Ordinal);
        if (Peek.Kind == ExprTokenKind.Colon)
        {
            do
            {
                Next(); // ':' before the first argument, ',' before the others
                if (Peek.Kind == ExprTokenKind.Identifier && _tokens[_pos + 1].Kind == ExprTokenKind.Colon)
                {
                    var option = Next();
                    Next();
                    named[option.Text] = filter.Options.Contains(option.Text)
                        ? ParsePrimary()
                        : throw TemplateFailure.Syntax($"filter '{filter.Name}' has no option '{Shorten(option.Text)}'", option.Offset);
                }
                else
                {
                    args.Add(ParsePrimary());
                }
            }
            while (Peek.Kind == ExprTokenKind.Comma);
        }

        if (args.Count < filter.MinArgs || args.Count > filter.MaxArgs)
        {
            var expected = filter.MinArgs == filter.MaxArgs ? $"{filter.MinArgs}" : $"{filter.MinArgs} to {filter.MaxArgs}";
            throw TemplateFailure.Syntax($"filter '{filter.Name}' expects {expected} argument(s), got {args.Count}", nameToken.Offset);
        }

        return new FilterCall(filter, args, named, nameToken.Offset);
    }

    /// <summary>A condition: comparisons joined by and/or. Filters are not part of Liquid conditions.</summary>
    public Condition ParseCondition()
    {
        var terms = new List<Comparison>();
        var isAnd = new List<bool>();
        while (true)
        {
            var left = ParsePrimary();
            if (Peek.Kind == ExprTokenKind.Comparison || IsWord("contains"))
            {
                var op = Next().Text;
                terms.Add(new Comparison(left, op, ParsePrimary()));
            }
            else
            {
                terms.Add(new Comparison(left, null, null));
            }

            if (!IsWord("and") && !IsWord("or"))
            {
                break;
            }

            isAnd.Add(Next().Text == "and");
        }

        if (Peek.Kind == ExprTokenKind.Pipe)
        {
            throw TemplateFailure.Syntax("filters are not allowed in conditions; assign the filtered value first", Peek.Offset);
        }

        ExpectEnd();
        return new Condition(terms, isAnd);
    }

    public Expr ParsePrimary() => ParsePrimary(0);

    private Expr ParsePrimary(int depth)
    {
        var token = Peek;
        if (depth > maxDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw TemplateFailure.Limit($"expression nesting exceeds {maxDepth} levels", token.Offset);
        }

        switch (token.Kind)
        {
            case ExprTokenKind.String:
                Next();
                return new LiteralExpr(token.Text, token.Offset);
            case ExprTokenKind.Number:
                Next();
                return new LiteralExpr(Values.ParseNumber(token.Text), token.Offset);
            case ExprTokenKind.LParen:
                Next();
                var from = ParsePrimary(depth + 1);
                Expect(ExprTokenKind.DotDot, "'..'");
                var to = ParsePrimary(depth + 1);
                Expect(ExprTokenKind.RParen, "')'");
                return new RangeExpr(from, to, token.Offset);
            case ExprTokenKind.Identifier when Keyword(token.Text, out var literal):
                Next();
                return new LiteralExpr(literal, token.Offset);
            case ExprTokenKind.Identifier or ExprTokenKind.LBracket:
                return ParsePath(depth);
            default:
                throw Unexpected("a value");
        }
    }

    private PathExpr ParsePath(int depth)
    {
        var first = Next();
        var rootName = first.Kind == ExprTokenKind.Identifier ? first.Text : null;
        var rootIndex = rootName is null ? ParseIndexRest(depth) : null;
        var segments = new List<PathSegment>();
        while (Peek.Kind is ExprTokenKind.Dot or ExprTokenKind.LBracket)
        {
            segments.Add(Next().Kind == ExprTokenKind.Dot
                ? new PathSegment(Expect(ExprTokenKind.Identifier, "a property name").Text, null)
                : new PathSegment(null, ParseIndexRest(depth)));
        }

        return new PathExpr(rootName, rootIndex, segments, first.Offset);
    }

    private Expr ParseIndexRest(int depth)
    {
        var index = ParsePrimary(depth + 1);
        Expect(ExprTokenKind.RBracket, "']'");
        return index;
    }

    private static bool Keyword(string word, out object? literal)
    {
        (var isKeyword, literal) = word switch
        {
            "true" => (true, (object?)true),
            "false" => (true, false),
            "nil" or "null" => (true, null),
            "empty" => (true, SpecialValue.Empty),
            "blank" => (true, SpecialValue.Blank),
            _ => (false, null),
        };
        return isKeyword;
    }

    public static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
