namespace BluBees.Engine.Templates;

/// <summary>Either a compiled <see cref="Template"/> or the errors that prevented it (each with its position).</summary>
internal sealed class TemplateCompileResult
{
    private TemplateCompileResult(Template? template, IReadOnlyList<TemplateError> errors)
    {
        Template = template;
        Errors = errors;
    }

    public Template? Template { get; }

    public IReadOnlyList<TemplateError> Errors { get; }

    public bool Success => Template is not null;

    internal static TemplateCompileResult Ok(Template template) => new(template, []);

    internal static TemplateCompileResult Failed(IReadOnlyList<TemplateError> errors) => new(null, errors);
}
