namespace BluBees.Engine.Templates;

/// <summary>Parses the markup of individual tags (the part after the tag name).</summary>
internal static class TagParsers
{
    public static FilteredExpr Filtered(ExprParser p)
    {
        var expression = p.ParseFiltered();
        p.ExpectEnd();
        return expression;
    }

    public static Expr Single(ExprParser p)
    {
        var expression = p.ParsePrimary();
        p.ExpectEnd();
        return expression;
    }

    /// <summary><c>when a, b or c</c>.</summary>
    public static IReadOnlyList<Expr> When(ExprParser p)
    {
        var values = new List<Expr> { p.ParsePrimary() };
        while (p.Peek.Kind == ExprTokenKind.Comma || p.IsWord("or"))
        {
            p.Next();
            values.Add(p.ParsePrimary());
        }

        p.ExpectEnd();
        return values;
    }

    /// <summary><c>item in collection</c> followed by <c>reversed</c>, <c>limit: n</c>, <c>offset: n</c> in any order.</summary>
    public static ForHeader For(ExprParser p)
    {
        var variable = p.Expect(ExprTokenKind.Identifier, "a loop variable name").Text;
        if (!p.IsWord("in"))
        {
            throw p.Unexpected("'in'");
        }

        p.Next();
        var collection = p.ParsePrimary();
        var reversed = false;
        Expr? limit = null;
        Expr? offset = null;
        while (!p.AtEnd)
        {
            if (p.IsWord("reversed"))
            {
                p.Next();
                reversed = true;
            }
            else if (p.IsWord("limit") || p.IsWord("offset"))
            {
                var option = p.Next().Text;
                p.Expect(ExprTokenKind.Colon, "':'");
                var value = p.ParsePrimary();
                (limit, offset) = option == "limit" ? (value, offset) : (limit, value);
            }
            else if (p.Peek.Kind == ExprTokenKind.Comma)
            {
                p.Next();
            }
            else
            {
                throw p.Unexpected("'reversed', 'limit:' or 'offset:'");
            }
        }

        return new ForHeader(variable, collection, reversed, limit, offset);
    }

    public static string CaptureName(ExprParser p)
    {
        var name = p.Peek.Kind == ExprTokenKind.String ? p.Next().Text : p.Expect(ExprTokenKind.Identifier, "a variable name").Text;
        p.ExpectEnd();
        return name;
    }

    /// <summary><c>assign name = value | filters</c>.</summary>
    public static AssignNode Assign(ExprParser p)
    {
        var name = p.Expect(ExprTokenKind.Identifier, "a variable name").Text;
        p.Expect(ExprTokenKind.Assign, "'='");
        return new AssignNode(name, Filtered(p));
    }
}
