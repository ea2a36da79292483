namespace BluBees.Engine.Templates;

internal enum ExprTokenKind
{
    Identifier,
    String,
    Number,
    Dot,
    DotDot,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Pipe,
    Colon,
    Comma,
    Comparison,
    Assign,
    End,
}

/// <summary>A token of tag/output markup; <see cref="Text"/> is the literal content for strings.</summary>
internal sealed record ExprToken(ExprTokenKind Kind, int Offset, string Text);
