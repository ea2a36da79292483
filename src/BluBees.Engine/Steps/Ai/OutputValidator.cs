using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using BluBees.Engine.Json;

namespace BluBees.Engine.Steps.Ai;

/// <summary>
/// Checks a completion against a compiled <see cref="OutputSchema"/>. The answer is yes or no: the reason would
/// quote the completion, which must not reach a record or a log.
/// </summary>
internal static class OutputValidator
{
    /// <summary>Parses <paramref name="text"/> as JSON and checks it; null when it is not JSON or does not match.</summary>
    public static JsonObject? Parse(string? text, JsonObject schema)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        JsonNode? value;
        try
        {
            // A repeated name is refused here: JsonObject builds its dictionary lazily and would throw an ArgumentException
            // later (while checking, or in a later step reading the output), failing the step as internal_error. So is a
            // string that is not text (a model cutting an emoji's escapes: "\ud83d" alone): the parser keeps it, and the
            // first condition or body reading it threw, ending the whole run as internal_error.
            var utf8 = Encoding.UTF8.GetBytes(text);
            if (ResponseJson.HasUnreadableText(utf8))
            {
                return null;
            }

            value = JsonNode.Parse(utf8, documentOptions: new JsonDocumentOptions { MaxDepth = 64, AllowDuplicateProperties = false });
        }
        catch (JsonException)
        {
            return null;
        }

        return value is JsonObject obj && Matches(obj, schema) ? obj : null;
    }

    public static bool Matches(JsonNode? value, JsonObject schema)
    {
        if (schema["type"] is { } type && !OutputSchema.TypeNames(type).Any(t => HasType(value, t)))
        {
            return false;
        }

        if (schema["enum"] is JsonArray allowed && !allowed.Any(a => JsonNode.DeepEquals(a, value)))
        {
            return false;
        }

        if (value is JsonObject obj)
        {
            var properties = schema["properties"] as JsonObject;
            if (schema["required"] is JsonArray required && required.Any(r => !obj.ContainsKey(r!.GetValue<string>())))
            {
                return false;
            }

            foreach (var (name, child) in obj)
            {
                if (properties?[name] is JsonObject childSchema)
                {
                    if (!Matches(child, childSchema))
                    {
                        return false;
                    }
                }
                else if (schema["additionalProperties"] is JsonValue extra && extra.GetValueKind() == JsonValueKind.False)
                {
                    return false;
                }
            }
        }

        return value is not JsonArray array || schema["items"] is not JsonObject items || array.All(item => Matches(item, items));
    }

    private static bool HasType(JsonNode? value, string? type) => (type, value?.GetValueKind()) switch
    {
        ("null", null or JsonValueKind.Null) => true,
        ("object", JsonValueKind.Object) => true,
        ("array", JsonValueKind.Array) => true,
        ("string", JsonValueKind.String) => true,
        ("boolean", JsonValueKind.True or JsonValueKind.False) => true,
        ("number", JsonValueKind.Number) => true,
        ("integer", JsonValueKind.Number) => value!.AsValue().TryGetValue<double>(out var d) && double.IsFinite(d) && Math.Floor(d) == d,
        _ => false,
    };
}
