namespace BluBees.Engine.Templates;

/// <summary>
/// A path into the run scope that a template reads, e.g. <c>issue.fields.summary</c>: its root name and the names
/// after it (null for an index computed at run time, such as <c>[0]</c> or <c>[x]</c>). Line and column are 1-based.
/// </summary>
internal sealed record TemplateReference(string Root, IReadOnlyList<string?> Segments, int Line, int Column)
{
    /// <summary>The path as written, with computed indexes as <c>[…]</c>.</summary>
    public string Text => Root + string.Concat(Segments.Select(s => s is null ? "[…]" : "." + s));
}

/// <summary>
/// The scope paths a compiled template reads, found by walking its parsed nodes (never by pattern matching the source).
/// Names the template makes itself are not scope reads: variables of <c>assign</c> and <c>capture</c> (anywhere in the
/// template, since Liquid variables are template-wide), loop variables inside their loop, and <c>forloop</c>.
/// </summary>
internal static class TemplateReferences
{
    public static IReadOnlyList<TemplateReference> Of(Template template)
    {
        var locals = new HashSet<string>(StringComparer.Ordinal) { "forloop" };
        CollectAssigned(template.Nodes, locals);
        var found = new List<(PathExpr Path, HashSet<string> Loops)>();
        Walk(template.Nodes, [], found);
        var map = new SourceMap(template.Source);
        var references = new List<TemplateReference>();
        foreach (var (path, loops) in found)
        {
            if (path.RootName is not { } root || locals.Contains(root) || loops.Contains(root))
            {
                continue;
            }

            var segments = path.Segments.Select(s => s.Name ?? (s.Index is LiteralExpr { Value: string literal } ? literal : null)).ToList();
            var position = map.ErrorAt(TemplateErrorKind.Syntax, string.Empty, path.Offset);
            references.Add(new TemplateReference(root, segments, position.Line, position.Column));
        }

        return references;
    }

    private static void CollectAssigned(IReadOnlyList<Node> nodes, HashSet<string> names)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case AssignNode assign:
                    names.Add(assign.Name);
                    break;
                case CaptureNode capture:
                    names.Add(capture.Name);
                    CollectAssigned(capture.Body, names);
                    break;
                default:
                    foreach (var body in Children(node))
                    {
                        CollectAssigned(body, names);
                    }

                    break;
            }
        }
    }

    private static IEnumerable<IReadOnlyList<Node>> Children(Node node) => node switch
    {
        IfNode n => n.Bodies,
        CaseNode n => n.Bodies,
        ForNode n => n.ElseBody is null ? [n.Body] : [n.Body, n.ElseBody],
        CaptureNode n => [n.Body],
        _ => [],
    };

    private static void Walk(IReadOnlyList<Node> nodes, HashSet<string> loops, List<(PathExpr, HashSet<string>)> found)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case OutputNode output:
                    Expression(output.Expression, loops, found);
                    break;
                case AssignNode assign:
                    Expression(assign.Expression, loops, found);
                    break;
                case CaptureNode capture:
                    Walk(capture.Body, loops, found);
                    break;
                case IfNode branch:
                    foreach (var comparison in branch.Conditions.Where(c => c is not null).SelectMany(c => c!.Terms))
                    {
                        Expression(comparison.Left, loops, found);
                        Expression(comparison.Right, loops, found);
                    }

                    foreach (var body in branch.Bodies)
                    {
                        Walk(body, loops, found);
                    }

                    break;
                case CaseNode choice:
                    Expression(choice.Subject, loops, found);
                    foreach (var value in choice.Whens.Where(w => w is not null).SelectMany(w => w!))
                    {
                        Expression(value, loops, found);
                    }

                    foreach (var body in choice.Bodies)
                    {
                        Walk(body, loops, found);
                    }

                    break;
                case ForNode loop:
                    Expression(loop.Header.Collection, loops, found);
                    Expression(loop.Header.Limit, loops, found);
                    Expression(loop.Header.Offset, loops, found);
                    Walk(loop.Body, [.. loops, loop.Header.Variable], found);
                    if (loop.ElseBody is not null)
                    {
                        Walk(loop.ElseBody, loops, found);
                    }

                    break;
            }
        }
    }

    private static void Expression(Expr? expr, HashSet<string> loops, List<(PathExpr, HashSet<string>)> found)
    {
        switch (expr)
        {
            case FilteredExpr filtered:
                Expression(filtered.Input, loops, found);
                foreach (var argument in filtered.Filters.SelectMany(f => f.Arguments))
                {
                    Expression(argument, loops, found);
                }

                break;
            case PathExpr path:
                found.Add((path, loops));
                Expression(path.RootIndex, loops, found);
                foreach (var segment in path.Segments)
                {
                    Expression(segment.Index, loops, found);
                }

                break;
            case RangeExpr range:
                Expression(range.From, loops, found);
                Expression(range.To, loops, found);
                break;
        }
    }
}
