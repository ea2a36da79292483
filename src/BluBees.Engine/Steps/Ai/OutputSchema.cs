using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Validation;

namespace BluBees.Engine.Steps.Ai;

/// <summary>
/// The JSON-schema subset an <c>ai.chat</c> step accepts for structured output: every keyword it allows is one
/// the engine checks itself on the completion, so a schema never promises more than is enforced.
/// Root: an object schema. Keywords: type, properties, required, items, enum, additionalProperties (boolean),
/// description, title.
/// </summary>
internal static class OutputSchema
{
    public const int MaxBytes = 16 * 1024;
    public const int MaxDepth = 8;

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "type", "properties", "required", "items", "enum", "additionalProperties", "description", "title",
    };

    private static readonly HashSet<string> Types = new(StringComparer.Ordinal)
    {
        "object", "array", "string", "number", "integer", "boolean", "null",
    };

    /// <summary>Checks a schema; adds errors under <paramref name="path"/> and returns null when it is not usable.</summary>
    public static JsonObject? Compile(JsonNode? schema, string path, ValidationErrors errors)
    {
        if (schema is not JsonObject root)
        {
            errors.Add(path, "must be a JSON schema object");
            return null;
        }

        if (JsonSerializer.SerializeToUtf8Bytes(root).Length > MaxBytes)
        {
            errors.Add(path, $"may be at most {MaxBytes} bytes");
            return null;
        }

        var before = errors.Count;
        if (root["type"] is not JsonValue rootType || !rootType.TryGetValue<string>(out var t) || t != "object")
        {
            errors.Add(path + ".type", "must be \"object\": structured output is a JSON object");
        }

        CheckNode(root, path, 1, errors);
        return errors.Count > before ? null : (JsonObject)root.DeepClone();
    }

    private static void CheckNode(JsonObject node, string path, int depth, ValidationErrors errors)
    {
        if (depth > MaxDepth)
        {
            errors.Add(path, $"nests deeper than {MaxDepth} levels");
            return;
        }

        foreach (var (keyword, value) in node)
        {
            var at = $"{path}.{keyword}";
            switch (keyword)
            {
                case "type":
                    if (!TypeNames(value).Any() || TypeNames(value).Any(n => n is null || !Types.Contains(n)))
                    {
                        errors.Add(at, $"must be one of {string.Join(", ", Types)}, or an array of them");
                    }

                    break;
                case "properties":
                    if (value is not JsonObject properties)
                    {
                        errors.Add(at, "must be an object of property schemas");
                        break;
                    }

                    foreach (var (name, property) in properties)
                    {
                        if (property is JsonObject child)
                        {
                            CheckNode(child, $"{at}.{name}", depth + 1, errors);
                        }
                        else
                        {
                            errors.Add($"{at}.{name}", "must be a schema object");
                        }
                    }

                    break;
                case "required":
                    if (value is not JsonArray required || required.Any(r => r is not JsonValue v || !v.TryGetValue<string>(out _)))
                    {
                        errors.Add(at, "must be an array of property names");
                    }
                    else if (required.Select(r => r!.GetValue<string>()).FirstOrDefault(r => node["properties"] is not JsonObject p || !p.ContainsKey(r)) is { } missing)
                    {
                        errors.Add(at, $"names '{missing}', which is not in 'properties'");
                    }

                    break;
                case "items":
                    if (value is JsonObject items)
                    {
                        CheckNode(items, at, depth + 1, errors);
                    }
                    else
                    {
                        errors.Add(at, "must be a schema object");
                    }

                    break;
                case "enum":
                    if (value is not JsonArray { Count: > 0 } values)
                    {
                        errors.Add(at, "must be a non-empty array");
                    }
                    else if (values.Select((v, i) => (Depth: Json.JsonDepth.Of(v, MaxDepth), Index: i)).FirstOrDefault(v => v.Depth > MaxDepth) is { Depth: > 0 } deep)
                    {
                        // Uncapped, a value nested to the 64 levels a body may have was accepted, and the rule's version
                        // record, one level deeper, could not be written: a 500 and the rule not saved.
                        errors.Add($"{at}[{deep.Index}]", $"nests deeper than {MaxDepth} levels");
                    }

                    break;
                case "additionalProperties":
                    if (value is not JsonValue flag || flag.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
                    {
                        errors.Add(at, "must be true or false");
                    }

                    break;
                case "description" or "title":
                    if (value is not JsonValue text || text.GetValueKind() != JsonValueKind.String)
                    {
                        errors.Add(at, "must be a string");
                    }

                    break;
                default:
                    errors.Add(at, $"is not supported: use {string.Join(", ", Keywords)}");
                    break;
            }
        }
    }

    internal static IEnumerable<string?> TypeNames(JsonNode? type) => type switch
    {
        JsonValue v when v.TryGetValue<string>(out var name) => [name],
        JsonArray a => a.Select(n => n is JsonValue v && v.TryGetValue<string>(out var name) ? name : null),
        _ => [],
    };
}
