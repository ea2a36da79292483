namespace BluBees.Engine.Templates;

/// <summary>
/// Compiles tenant-authored Liquid-subset templates. Never throws: failures come back as errors with
/// line/column. The result is immutable and thread-safe; cache it per rule version.
/// </summary>
internal static class TemplateCompiler
{
    private const int MaxReportedErrors = 20;

    public static TemplateCompileResult Compile(string source, TemplateLimits limits)
    {
        source ??= "";
        limits ??= TemplateLimits.Default;
        if (source.Length > limits.MaxSourceChars)
        {
            return TemplateCompileResult.Failed(
                [new TemplateError($"template exceeds {limits.MaxSourceChars} characters", 0, 0) { Kind = TemplateErrorKind.Limit }]);
        }

        var map = new SourceMap(source);
        var parser = new TemplateParser(source, limits, map);
        var failures = new List<TemplateFailure>();
        IReadOnlyList<Node>? nodes = null;
        try
        {
            nodes = parser.Parse(new Lexer(source).Tokenize());
        }
        catch (TemplateFailure failure)
        {
            failures.Add(failure);
        }
        catch (Exception)
        {
            // A bug, not the template's fault; never pass a foreign message on (it could quote anything).
            return TemplateCompileResult.Failed([new TemplateError("internal error while compiling the template", 0, 0) { Kind = TemplateErrorKind.Runtime }]);
        }

        failures.InsertRange(0, parser.Errors);
        if (failures.Count > 0 || nodes is null)
        {
            return TemplateCompileResult.Failed(
                failures.Take(MaxReportedErrors).Select(f => map.ErrorAt(f.Kind, f.Message, f.Offset)).ToList());
        }

        return TemplateCompileResult.Ok(new Template(source, nodes));
    }
}
