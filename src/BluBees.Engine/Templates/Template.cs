using System.Text.Json.Nodes;

namespace BluBees.Engine.Templates;

/// <summary>
/// A compiled template: immutable and safe to render concurrently. Rendering never throws and never mutates
/// the caller's scope; every failure (runtime or limit) comes back as a value.
/// </summary>
internal sealed class Template
{
    private readonly IReadOnlyList<Node> _nodes;
    private readonly FilteredExpr? _singleOutput;
    private readonly SourceMap _map;

    internal Template(string source, IReadOnlyList<Node> nodes)
    {
        Source = source;
        _nodes = nodes;
        _map = new SourceMap(source);
        IsConstant = nodes.All(n => n is TextNode);
        var active = nodes.Where(n => n is not TextNode).ToList();
        var onlyWhitespaceText = nodes.OfType<TextNode>().All(t => string.IsNullOrWhiteSpace(t.Text));
        _singleOutput = active is [OutputNode { IsEcho: false } output] && onlyWhitespaceText ? output.Expression : null;
    }

    public string Source { get; }

    /// <summary>The parsed nodes, for <see cref="TemplateReferences"/>.</summary>
    internal IReadOnlyList<Node> Nodes => _nodes;

    /// <summary>The plain text before the template's first output or tag (the whole text of a constant template).</summary>
    public string LiteralPrefix => string.Concat(_nodes.TakeWhile(n => n is TextNode).Select(n => ((TextNode)n).Text));

    /// <summary>True when the template is plain text (no outputs or tags): it renders the same for every scope.</summary>
    public bool IsConstant { get; }

    /// <summary>Renders to text, charging the <see cref="RunBudget.Current"/> run budget when there is one.</summary>
    public TemplateRenderResult Render(JsonObject scope, TemplateLimits limits) => Render(scope, limits, RunBudget.Current);

    /// <summary>Renders to text, charging <paramref name="budget"/> (null: only the per-render limits apply).</summary>
    public TemplateRenderResult Render(JsonObject scope, TemplateLimits limits, RunBudget? budget) => Render(scope, limits, budget, UrlTemplatePart.None);

    /// <summary>
    /// Renders a step's <c>url</c> (<see cref="UrlTemplatePart.Url"/>) or <c>path</c> (<see cref="UrlTemplatePart.Path"/>):
    /// each output that lands in the path or query is percent-encoded (RFC 3986, as <c>url_encode</c>) unless its last
    /// filter is <c>url_encode</c> or <c>url_raw</c>. Literal text and outputs in the scheme or host are left as written.
    /// </summary>
    public TemplateRenderResult RenderUrl(JsonObject scope, TemplateLimits limits, UrlTemplatePart part) => Render(scope, limits, RunBudget.Current, part);

    private TemplateRenderResult Render(JsonObject scope, TemplateLimits limits, RunBudget? budget, UrlTemplatePart part)
    {
        RenderContext? ctx = null;
        try
        {
            ctx = Start(scope, limits, budget);
            return new TemplateRenderResult(RenderText(ctx, part), null, null);
        }
        catch (Exception ex)
        {
            return TemplateRenderResult.Failed(ToError(ex));
        }
        finally
        {
            ctx?.Finish();
        }
    }

    /// <summary>
    /// Value mode: when the template is exactly one <c>{{ expr }}</c> (whitespace around allowed) the value of
    /// that expression, type preserved and detached from the scope; otherwise the rendered text as a JSON string.
    /// </summary>
    public TemplateValueResult Evaluate(JsonObject scope, TemplateLimits limits) => Evaluate(scope, limits, RunBudget.Current);

    /// <summary>Value mode charging <paramref name="budget"/> (null: only the per-render limits apply).</summary>
    public TemplateValueResult Evaluate(JsonObject scope, TemplateLimits limits, RunBudget? budget)
    {
        RenderContext? ctx = null;
        try
        {
            ctx = Start(scope, limits, budget);
            if (_singleOutput is null)
            {
                return new TemplateValueResult(JsonValue.Create(RenderText(ctx)), null, null);
            }

            ctx.Step();
            var value = _singleOutput.EvaluateRaw(ctx);
            var node = value is JsonNode raw ? ValueJson.CloneNode(raw, ctx, 0) : ValueJson.ToNode(value, ctx);
            return new TemplateValueResult(node, null, null);
        }
        catch (Exception ex)
        {
            return TemplateValueResult.Failed(ToError(ex));
        }
        finally
        {
            ctx?.Finish();
        }
    }

    /// <summary>A fresh render state; a run whose budget is already used up fails before any work.</summary>
    private static RenderContext Start(JsonObject scope, TemplateLimits limits, RunBudget? budget)
    {
        var ctx = new RenderContext(scope ?? new JsonObject(), limits ?? TemplateLimits.Default, budget);
        if (budget is { Exhausted: true })
        {
            ctx.Flush();
            throw TemplateFailure.Limit(budget.Describe());
        }

        return ctx;
    }

    private string RenderText(RenderContext ctx, UrlTemplatePart part = UrlTemplatePart.None)
    {
        var output = new OutputBuffer(ctx.MaxChars, "output") { Url = part };
        Node.RenderBlock(_nodes, ctx, output);
        if (output.LeftAnEmptySegment())
        {
            throw TemplateFailure.Runtime("a value rendered into the URL's path is empty, which leaves an empty path segment (an earlier step skipped, or an empty field?); give it a default, or use url_raw if an empty part is meant");
        }

        ctx.Scan(output.Length);
        return output.ToString();
    }

    /// <summary>Only engine-authored messages are passed on: a foreign exception's message could quote data.</summary>
    private TemplateError ToError(Exception ex) => ex switch
    {
        TemplateFailure f => _map.ErrorAt(f.Kind, f.Message, f.Offset),
        InsufficientExecutionStackException => new TemplateError("template nesting is too deep", 0, 0) { Kind = TemplateErrorKind.Limit },
        OutOfMemoryException => new TemplateError("template ran out of memory", 0, 0) { Kind = TemplateErrorKind.Limit },
        _ => new TemplateError($"internal error while rendering the template ({ex.GetType().Name})", 0, 0) { Kind = TemplateErrorKind.Runtime },
    };
}
