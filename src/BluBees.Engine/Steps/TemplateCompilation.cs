using BluBees.Engine.Templates;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Steps;

/// <summary>Compiles one template of a rule and reports syntax errors at the field they belong to.</summary>
internal static class TemplateCompilation
{
    public static Template? Compile(string source, string path, TemplateLimits limits, ValidationErrors errors)
    {
        var result = TemplateCompiler.Compile(source, limits);
        if (result.Success)
        {
            return result.Template;
        }

        foreach (var error in result.Errors)
        {
            errors.Add(path, Describe(error));
        }

        return null;
    }

    public static string Describe(TemplateError error)
        => error.Line > 0 ? $"template error at line {error.Line}, column {error.Column}: {error.Message}" : "template error: " + error.Message;
}
