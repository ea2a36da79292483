using System.Text.Json.Nodes;
using BluBees.Engine.Templates;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Steps;

/// <summary>
/// A JSON body whose string leaves are templates. A leaf that is exactly one <c>{{ expr }}</c> keeps the
/// value's JSON type, so mapping a number or an object never needs string tricks, and nothing a value holds
/// can break out of its place in the document (no JSON injection).
/// </summary>
internal sealed class CompiledBody
{
    public const int MaxDepth = 16;
    public const int MaxLeaves = 500;
    private readonly Func<JsonObject, TemplateLimits, (JsonNode? Value, TemplateError? Error)> _build;
    private readonly string _root;

    private CompiledBody(Func<JsonObject, TemplateLimits, (JsonNode?, TemplateError?)> build, string root)
    {
        _build = build;
        _root = root;
    }

    /// <summary>The built value, or the first failing leaf's error with its place below the body in <see cref="TemplateError.Field"/>.</summary>
    public (JsonNode? Value, TemplateError? Error) Build(JsonObject scope, TemplateLimits limits)
    {
        var (value, error) = _build(scope, limits);
        return error is null ? (value, null)
            : (null, error with { Field = error.Field is { } leaf && leaf.StartsWith(_root, StringComparison.Ordinal) ? leaf[_root.Length..] : null });
    }

    public static CompiledBody? Compile(JsonNode? body, string path, TemplateLimits limits, ValidationErrors errors)
    {
        if (body is null)
        {
            return null;
        }

        var leaves = 0;
        var build = CompileNode(body, path, 1, ref leaves, limits, errors);
        return build is null ? null : new CompiledBody(build, path);
    }

    private static Func<JsonObject, TemplateLimits, (JsonNode?, TemplateError?)>? CompileNode(
        JsonNode? node, string path, int depth, ref int leaves, TemplateLimits limits, ValidationErrors errors)
    {
        if (depth > MaxDepth)
        {
            errors.Add(path, $"the body nests more than {MaxDepth} levels");
            return null;
        }

        if (++leaves > MaxLeaves)
        {
            if (leaves == MaxLeaves + 1)
            {
                errors.Add(path, $"the body has more than {MaxLeaves} values");
            }

            return null;
        }

        switch (node)
        {
            case JsonObject obj:
            {
                var parts = new List<(string Name, Func<JsonObject, TemplateLimits, (JsonNode?, TemplateError?)> Build)>();
                foreach (var (name, child) in obj)
                {
                    if (CompileNode(child, $"{path}.{name}", depth + 1, ref leaves, limits, errors) is { } b)
                    {
                        parts.Add((name, b));
                    }
                }

                return (scope, l) =>
                {
                    var result = new JsonObject();
                    foreach (var (name, b) in parts)
                    {
                        var (value, error) = b(scope, l);
                        if (error is not null)
                        {
                            return (null, error);
                        }

                        result[name] = value;
                    }

                    return (result, null);
                };
            }

            case JsonArray arr:
            {
                var items = new List<Func<JsonObject, TemplateLimits, (JsonNode?, TemplateError?)>>();
                for (var i = 0; i < arr.Count; i++)
                {
                    if (CompileNode(arr[i], $"{path}[{i}]", depth + 1, ref leaves, limits, errors) is { } b)
                    {
                        items.Add(b);
                    }
                }

                return (scope, l) =>
                {
                    var result = new JsonArray();
                    foreach (var b in items)
                    {
                        var (value, error) = b(scope, l);
                        if (error is not null)
                        {
                            return (null, error);
                        }

                        result.Add(value);
                    }

                    return (result, null);
                };
            }

            case JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.String:
            {
                var template = TemplateCompilation.Compile(value.GetValue<string>(), path, limits, errors);
                if (template is null)
                {
                    return null;
                }

                return (scope, l) =>
                {
                    var result = template.Evaluate(scope, l);
                    return result.Success ? (result.Value, null) : (null, result.Error! with { Field = path });
                };
            }

            default:
            {
                var constant = node?.DeepClone();
                return (_, _) => (constant?.DeepClone(), null);
            }
        }
    }
}
