using System.Runtime.CompilerServices;
using BluBees.Engine.Common;

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
                // A literal keeps its text like a scope number; one with leading zeros (not JSON) prints canonically.
                return new LiteralExpr(DecimalText.IsJson(token.Text) ? Values.ReadNumber(token.Text) : Values.ParseNumber(token.Text), token.Offset);
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

    /// <summary>
    /// A path, with Jira's smart-value forms: method calls (<c>now.plusDays(3)</c>, see <see cref="JiraMethods"/>),
    /// property-style functions (<c>.jiraDate</c>) and field names with spaces (<c>issue.Story Points</c>).
    /// </summary>
    private Expr ParsePath(int depth)
    {
        var first = Next();
        var rootName = first.Kind == ExprTokenKind.Identifier ? first.Text : null;
        var rootIndex = rootName is null ? ParseIndexRest(depth) : null;
        Expr? head = null;
        var segments = new List<PathSegment>();
        var parent = rootName;
        while (Peek.Kind is ExprTokenKind.Dot or ExprTokenKind.LBracket)
        {
            if (Next().Kind != ExprTokenKind.Dot)
            {
                var index = ParseIndexRest(depth);
                if (index is LiteralExpr { Value: string key })
                {
                    FieldNameUse.Member(parent, key, isFunction: false);
                }

                segments.Add(new PathSegment(null, index));
                parent = null;
                continue;
            }

            var nameToken = Expect(ExprTokenKind.Identifier, "a property name");
            if (Peek.Kind == ExprTokenKind.LParen)
            {
                var call = JiraMethods.Call(nameToken.Text, ParseCallArguments(depth), nameToken.Offset);
                head = new MethodCallExpr(Build(head, rootName, rootIndex, segments, first.Offset), call, nameToken.Offset);
                segments = [];
                parent = null;
                continue;
            }

            var name = SpacedName(nameToken);
            var function = name == nameToken.Text ? JiraMethods.Property(name, nameToken.Offset) : null;
            FieldNameUse.Member(parent, name, function is not null);
            segments.Add(new PathSegment(name, null) { Function = function });
            parent = name;
        }

        return Build(head, rootName, rootIndex, segments, first.Offset);
    }

    private static Expr Build(Expr? head, string? rootName, Expr? rootIndex, List<PathSegment> segments, int offset) =>
        head is null ? new PathExpr(rootName, rootIndex, segments, offset)
        : segments.Count == 0 ? head
        : new PathExpr(null, null, segments, offset, head);

    /// <summary>
    /// Jira names fields by their display name, spaces included (<c>issue.Story Points</c>): words separated by
    /// plain spaces after a dot join into one name. Words that continue a tag (<c>and</c>, <c>or</c>, <c>contains</c>,
    /// <c>reversed</c>, an option before a colon) end the name. Before this, a second word was a syntax error.
    /// </summary>
    private string SpacedName(ExprToken word)
    {
        var name = word.Text;
        var end = word.Offset + word.Text.Length;
        while (Peek.Kind == ExprTokenKind.Identifier && _tokens[_pos + 1].Kind != ExprTokenKind.Colon
            && Peek.Text is not ("and" or "or" or "contains" or "reversed" or "in")
            && Peek.Offset > end && source.AsSpan(end, Peek.Offset - end).TrimStart(' ').IsEmpty)
        {
            var next = Next();
            name += new string(' ', next.Offset - end) + next.Text;
            end = next.Offset + next.Text.Length;
        }

        return name;
    }

    /// <summary><c>(a, b)</c> after a method name; arguments are values (paths, literals, nested calls), not filters.</summary>
    private List<Expr> ParseCallArguments(int depth)
    {
        Expect(ExprTokenKind.LParen, "'('");
        var args = new List<Expr>();
        if (Peek.Kind == ExprTokenKind.RParen)
        {
            Next();
            return args;
        }

        args.Add(ParsePrimary(depth + 1));
        while (Peek.Kind == ExprTokenKind.Comma)
        {
            Next();
            args.Add(ParsePrimary(depth + 1));
        }

        Expect(ExprTokenKind.RParen, "')' or ','");
        return args;
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
