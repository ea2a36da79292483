namespace BluBees.Engine.Templates;

/// <summary>
/// Internal carrier for an expected failure deep inside compile or render; it never leaves the engine
/// (the public entry points turn it into a <see cref="TemplateError"/>). An exception is used because
/// unwinding through recursive evaluation by hand would put an error check after every sub-expression.
/// The message must already be safe to show: template source only, never data.
/// </summary>
internal sealed class TemplateFailure(TemplateErrorKind kind, string message, int offset = -1) : Exception(message)
{
    public TemplateErrorKind Kind { get; } = kind;

    /// <summary>Offset in the template source, or -1 when the failure has no position.</summary>
    public int Offset { get; } = offset;

    public static TemplateFailure Syntax(string message, int offset) => new(TemplateErrorKind.Syntax, message, offset);

    public static TemplateFailure Limit(string message, int offset = -1) => new(TemplateErrorKind.Limit, message, offset);

    public static TemplateFailure Runtime(string message, int offset = -1) => new(TemplateErrorKind.Runtime, message, offset);
}
