namespace BluBees.Engine.Templates;

internal enum TokenKind
{
    Text,
    Output,
    Tag,
}

/// <summary>
/// One piece of template source. <see cref="Start"/> is where the token begins (the <c>{{</c>/<c>{%</c> for
/// outputs and tags); markup is the inner text range without delimiters or whitespace-control dashes.
/// </summary>
internal sealed record Token(TokenKind Kind, int Start, string Text)
{
    public string Name { get; init; } = "";

    public int NameOffset { get; init; }

    public int MarkupStart { get; init; }

    public int MarkupEnd { get; init; }
}
