namespace BluBees.Engine.Templates;

public enum TemplateErrorKind
{
    /// <summary>The template text is not valid (compile time).</summary>
    Syntax,

    /// <summary>A <see cref="TemplateLimits"/> bound was reached (compile or render time).</summary>
    Limit,

    /// <summary>The template is valid but failed on this data (e.g. division by zero).</summary>
    Runtime,
}
