using System.Text.Json.Nodes;

namespace BluBees.Engine.Templates;

/// <summary>The value of a template in value mode (see <see cref="Template.Evaluate"/>), or an error.</summary>
internal sealed record TemplateValueResult(JsonNode? Value, TemplateError? Error, TemplateErrorKind? ErrorKind)
{
    public bool Success => Error is null;

    internal static TemplateValueResult Failed(TemplateError error) => new(null, error, error.Kind);
}
