namespace BluBees.Engine.Templates;

/// <summary>
/// A failure as a value. <see cref="Line"/>/<see cref="Column"/> are 1-based, 0 when the error has no position.
/// The message may quote the template's own source but never rendered output or scope values.
/// </summary>
public sealed record TemplateError(string Message, int Line, int Column)
{
    public TemplateErrorKind Kind { get; init; } = TemplateErrorKind.Syntax;

    /// <summary>In a JSON body of templates: where the failing leaf is, below the body (<c>.fields.summary</c>, <c>[0]</c>, empty for the body itself).</summary>
    public string? Field { get; init; }

    public override string ToString() => Line > 0 ? $"{Message} (line {Line}, column {Column})" : Message;
}
