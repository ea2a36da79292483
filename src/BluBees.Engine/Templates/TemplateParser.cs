namespace BluBees.Engine.Templates;

/// <summary>
/// Builds the node tree from tokens with an explicit stack of open blocks (no recursion, so 1000 nested ifs
/// cannot overflow the stack; depth is limited anyway). Errors inside one tag's markup are collected and parsing
/// goes on; structural errors (a mismatched end tag, a block never closed) and limits stop it.
/// </summary>
internal sealed class TemplateParser(string source, TemplateLimits limits, SourceMap map)
{
    private static readonly HashSet<string> Includes = ["include", "include_relative", "render", "layout", "section", "sections", "extends", "block", "content_for"];
    private static readonly HashSet<string> BlockTags = ["if", "unless", "case", "for", "capture", "raw", "comment"];
    private readonly List<BlockBuilder> _stack = [new("", 0, null)];
    private readonly List<TemplateFailure> _errors = [];

    public IReadOnlyList<TemplateFailure> Errors => _errors;

    private BlockBuilder Top => _stack[^1];

    public IReadOnlyList<Node> Parse(IEnumerable<Token> tokens)
    {
        foreach (var token in tokens)
        {
            switch (token.Kind)
            {
                case TokenKind.Text:
                    Top.Current.Add(new TextNode(token.Text));
                    break;
                case TokenKind.Output:
                    var output = Recover(() => Markup(token) is { AtEnd: false } p ? TagParsers.Filtered(p) : null, null);
                    AddIf(output is null ? null : new OutputNode(output, isEcho: false));
                    break;
                default:
                    ParseTag(token);
                    break;
            }
        }

        if (_stack.Count > 1)
        {
            throw TemplateFailure.Syntax($"'{Top.Tag}' is never closed; expected '{{% end{Top.Tag} %}}'", Top.Offset);
        }

        return _stack[0].RootNodes();
    }

    private void ParseTag(Token token)
    {
        var name = token.Name;
        switch (name)
        {
            case "if" or "unless":
                Open(token, Recover(() => Markup(token).ParseCondition(), Condition.Never));
                break;
            case "elsif":
                Section(token, ["if", "unless"], Recover(() => Markup(token).ParseCondition(), Condition.Never), isElse: false);
                break;
            case "else":
                NoArguments(token);
                Section(token, ["if", "unless", "case", "for"], null, isElse: true);
                break;
            case "case":
                Open(token, Recover(() => TagParsers.Single(Markup(token)), new LiteralExpr(null, token.Start)));
                break;
            case "when":
                Section(token, ["case"], Recover(() => TagParsers.When(Markup(token)), []), isElse: false);
                break;
            case "for":
                Open(token, Recover(() => TagParsers.For(Markup(token)), new ForHeader("", new LiteralExpr(null, 0), false, null, null)));
                break;
            case "capture":
                Open(token, Recover(() => TagParsers.CaptureName(Markup(token)), ""));
                break;
            case "break" or "continue":
                NoArguments(token);
                if (!_stack.Exists(b => b.Tag == "for"))
                {
                    throw TemplateFailure.Syntax($"'{name}' must be inside a 'for' loop", token.NameOffset);
                }

                Top.Current.Add(new LoopControlNode(name == "break" ? Signal.Break : Signal.Continue));
                break;
            case "assign":
                AddIf(Recover(() => TagParsers.Assign(Markup(token)), null));
                break;
            case "echo":
                AddIf(Recover(() => new OutputNode(TagParsers.Filtered(Markup(token)), isEcho: true), null));
                break;
            case var _ when name.StartsWith("end", StringComparison.Ordinal) && BlockTags.Contains(name[3..]):
                NoArguments(token);
                Close(token, name[3..]);
                break;
            default:
                var message = Includes.Contains(name)
                    ? $"tag '{name}' is not supported: templates cannot include other templates"
                    : $"unknown tag '{ExprParser.Shorten(name)}'";
                _errors.Add(TemplateFailure.Syntax(message, token.NameOffset));
                break;
        }
    }

    private void Open(Token token, object? header)
    {
        if (_stack.Count > limits.EffectiveNestingDepth)
        {
            throw TemplateFailure.Limit($"tags are nested deeper than {limits.EffectiveNestingDepth} levels", token.Start);
        }

        _stack.Add(new BlockBuilder(token.Name, token.Start, header));
    }

    private void Section(Token token, string[] allowedIn, object? header, bool isElse)
    {
        if (!allowedIn.Contains(Top.Tag))
        {
            var where = string.Join(" or ", allowedIn.Select(t => $"'{t}'"));
            throw TemplateFailure.Syntax($"'{token.Name}' must be inside {where}", token.NameOffset);
        }

        if (Top.HasElse)
        {
            throw TemplateFailure.Syntax($"'{token.Name}' cannot come after 'else'", token.NameOffset);
        }

        Top.AddSection(header, isElse);
    }

    private void Close(Token token, string opener)
    {
        if (Top.Tag != opener)
        {
            if (_stack.Count == 1)
            {
                throw TemplateFailure.Syntax($"'{token.Name}' has no matching '{opener}'", token.NameOffset);
            }

            var open = map.ErrorAt(TemplateErrorKind.Syntax, "", Top.Offset);
            throw TemplateFailure.Syntax(
                $"'{token.Name}' does not match the open '{Top.Tag}' (line {open.Line}, column {open.Column}); expected 'end{Top.Tag}'",
                token.NameOffset);
        }

        var node = Top.Build();
        _stack.RemoveAt(_stack.Count - 1);
        Top.Current.Add(node);
    }

    private void NoArguments(Token token)
    {
        if (Markup(token) is { AtEnd: false } p)
        {
            throw TemplateFailure.Syntax($"'{token.Name}' takes no arguments", p.Peek.Offset);
        }
    }

    private void AddIf(Node? node)
    {
        if (node is not null)
        {
            Top.Current.Add(node);
        }
    }

    private ExprParser Markup(Token token) => new(source, token.MarkupStart, token.MarkupEnd, limits.EffectiveNestingDepth);

    /// <summary>Records a syntax error in one tag and returns a placeholder so parsing can go on.</summary>
    private T Recover<T>(Func<T> parse, T fallback)
    {
        try
        {
            return parse();
        }
        catch (TemplateFailure failure) when (failure.Kind == TemplateErrorKind.Syntax)
        {
            _errors.Add(failure);
            return fallback;
        }
    }
}
