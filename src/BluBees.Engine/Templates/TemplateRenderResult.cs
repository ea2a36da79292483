namespace BluBees.Engine.Templates;

/// <summary>Rendered text, or an error (never both).</summary>
internal sealed record TemplateRenderResult(string? Output, TemplateError? Error, TemplateErrorKind? ErrorKind)
{
    public bool Success => Error is null;

    internal static TemplateRenderResult Failed(TemplateError error) => new(null, error, error.Kind);
}
