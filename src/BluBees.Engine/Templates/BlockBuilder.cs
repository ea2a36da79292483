namespace BluBees.Engine.Templates;

/// <summary>
/// An open block tag while parsing: its sections (<c>if</c>, each <c>elsif</c>/<c>when</c>, <c>else</c>), each
/// with the header parsed from its tag and the nodes collected so far.
/// </summary>
internal sealed class BlockBuilder(string tag, int offset, object? header)
{
    private readonly List<(object? Header, List<Node> Body)> _sections = [(header, [])];

    public string Tag { get; } = tag;

    public int Offset { get; } = offset;

    public bool HasElse { get; private set; }

    public List<Node> Current => _sections[^1].Body;

    public void AddSection(object? sectionHeader, bool isElse)
    {
        _sections.Add((sectionHeader, []));
        HasElse |= isElse;
    }

    public Node Build() => Tag switch
    {
        "if" or "unless" => new IfNode(_sections.Select(s => (Condition?)s.Header).ToList(), Bodies(0), Tag == "unless"),
        "case" => new CaseNode((Expr)_sections[0].Header!, _sections.Skip(1).Select(s => (IReadOnlyList<Expr>?)s.Header).ToList(), Bodies(1)),
        "for" => new ForNode((ForHeader)_sections[0].Header!, _sections[0].Body, _sections.Count > 1 ? _sections[1].Body : null),
        "capture" => new CaptureNode((string)_sections[0].Header!, _sections[0].Body),
        _ => throw new InvalidOperationException($"no node for block '{Tag}'"),
    };

    public IReadOnlyList<Node> RootNodes() => _sections[0].Body;

    private List<IReadOnlyList<Node>> Bodies(int skip) => _sections.Skip(skip).Select(s => (IReadOnlyList<Node>)s.Body).ToList();
}
